"""Qt item models shared by the screens."""

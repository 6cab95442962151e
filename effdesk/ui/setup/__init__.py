"""The setup wizard (设置向导)."""

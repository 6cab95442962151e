"""Services: one module per capability. Plain Python, no Qt; take a Session and an Actor."""

"""问责整改: the register of measures and the rectification cycle."""

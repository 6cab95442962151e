"""单位人员: units and persons."""

"""carbon_gui: plan low-carbon ML training on Google Cloud."""

__version__ = "0.1.0"

"""Not code: data, NOTICE, icons and desktop files, installed as the package carbon_gui.resources."""

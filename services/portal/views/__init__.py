"""One module per feature, each a Blueprint named after the feature (templates in templates/views/<feature>/)."""

"""The demo county 示范县: documents, layers and project applications written for this project."""

"""Pages of the catalogs: public reading, the bureau console and appeals."""

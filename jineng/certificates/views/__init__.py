"""Pages of certificates: public verification, the bureau's console, the holder's downloads."""

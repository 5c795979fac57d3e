"""The model: vendors, agencies, capabilities and competition terms, each judgement with its evidence."""

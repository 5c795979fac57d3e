"""The Scrapy project: one spider per public source; items, pipelines, middlewares and settings."""

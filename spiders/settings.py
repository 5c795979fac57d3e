"""Scrapy settings for every spider of the registry.

Why these values: the sources are public APIs run by small government teams. The registry crawls them
politely (AutoThrottle, a concurrency cap, a User-Agent that says who we are) and patiently (retries on
429/5xx that honour `Retry-After`), and every base URL is a setting so tests and mirrors can point a
spider at a recording or a local server without touching code.
"""

from __future__ import annotations

from registry.core import sources

BOT_NAME = "surveillance_registry"
# One folder per source (spiders/<name>/spider.py), found on disk: a new folder is a new spider.
SPIDER_MODULES = sources.spider_modules()
# ... and imported one at a time: a crawl imports its own source's spider, not all of them (spiders/loader.py).
SPIDER_LOADER_CLASS = "spiders.loader.SourceSpiderLoader"

USER_AGENT = (
    "surveillance-tech-registry/0.1 (open-source registry of public contract records; "
    "+https://github.com/surveillance-tech-registry/registry)"
)

# The APIs are documented for programmatic use; robots.txt on an API host only adds a request.
ROBOTSTXT_OBEY = False
TELNETCONSOLE_ENABLED = False
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Politeness: at most 8 requests in flight, AutoThrottle aims at 4 and backs off when the API slows.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 8
# Scrapy hands each response's items to CONCURRENT_ITEMS asyncio tasks, made afresh per response (100 by default).
# The pipelines write synchronously, one item at a time, so 8 store the same items the same way; the 100 tasks cost
# about a fifth of a small crawl's CPU (254 requests: ~0.25 s less per crawl, measured through `registry crawl`).
CONCURRENT_ITEMS = 8
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
DOWNLOAD_TIMEOUT = 60

# Retries: Scrapy's RetryMiddleware is replaced by one that waits as the server asks (Retry-After) or
# backs off exponentially, within a cap, so a 429 storm slows the crawl instead of ending it.
RETRY_ENABLED = True
RETRY_TIMES = 5
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
RETRY_BACKOFF_BASE = 1.0        # seconds; doubles per retry of the same request
RETRY_BACKOFF_MAX = 60.0        # never wait longer than this for one retry, whatever Retry-After says
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.PoliteRetryMiddleware": 550,
    "spiders.guards.HostGuardMiddleware": 610,  # sees 3xx before RedirectMiddleware (600) follows them
}
# Non-2xx answers reach the spiders' errbacks (a page lost is recorded, never silently dropped).
HTTPERROR_ALLOW_ALL = False

ITEM_PIPELINES = {"spiders.pipelines.StagingPipeline": 300}
EXTENSIONS = {"spiders.extensions.CrawlProgress": 500, "spiders.guards.CrawlGuards": 510}

# Hostile servers (spiders/guards.py, docs/reliability_hostile.md). Each limit ends the run `partial` with one line.
DUPEFILTER_CLASS = "spiders.guards.RedirectAwareDupeFilter"  # a redirect back to a fetched URL is not a duplicate
REDIRECT_MAX_TIMES = 5          # a redirect loop becomes a lost page (with a reject) after this many hops
# Redirects leave the request's own host only for these hosts (e.g. a source that moved its domain).
REDIRECT_ALLOWED_HOSTS = ["files.usaspending.gov", "lda.gov", "lda.senate.gov", "www.federalregister.gov"]
CRAWL_DEADLINE = 0              # seconds for the whole crawl (0: none); past it the run ends partial
HOST_STALL_BUDGET = 20          # download timeouts per host before the crawl ends partial (0: no budget)
CRAWL_MEMORY_LIMIT_MB = 4096    # resident memory of the crawl; past it the run ends partial (0: none)
# Per response, measured after decompression (Scrapy >= 2.11.1 checks decompressed sizes): a gzip bomb is a
# lost page, not 9 GB of memory. The bulk route's archive downloads set their own per-request limit.
DOWNLOAD_MAXSIZE = 256 * 2**20
DOWNLOAD_WARNSIZE = 64 * 2**20
STAGING_PATH = None             # None: registry.core.paths.staging_path() (env STAGING_PATH or ./staging.duckdb)
STAGING_BATCH_SIZE = 5000       # items per Arrow batch written to the staging store
# WAL size at which the staging store folds its log into the file. DuckDB's 16MB default checkpoints every few
# batches during a crawl; each checkpoint rewrites what changed, so fewer of them is ~4% of ingest time
# (bench/ingest.py). A crash replays the log on the next open: nothing committed is lost either way.
STAGING_CHECKPOINT_THRESHOLD = "256MB"
# DuckDB threads of the staging writer. A 5,000-row insert is too small to share out, and the crawl's own Python
# (parsing, validating) needs the cores: one thread made ingest 8% faster (0.29 -> 0.315 of read_json).
STAGING_THREADS = 1
PROGRESS_INTERVAL = 10.0        # seconds between progress lines on the terminal (0: off)

# Sources (each a setting so tests point them at recordings or a local server).
USASPENDING_API_URL = "https://api.usaspending.gov"
USASPENDING_PAGE_SIZE = 100     # spending_by_award's documented maximum per page
USASPENDING_TRANSACTIONS_PAGE_SIZE = 5000  # /api/v2/transactions/ documented maximum
SAM_API_URL = "https://api.sam.gov/opportunities/v2/search"   # key: env SAM_API_KEY
FPDS_ATOM_URL = "https://www.fpds.gov/ezsearch/FEEDS/ATOM"
LDA_API_URL = "https://lda.gov/api/v1/filings/"                 # optional key: env LDA_API_KEY
FEDERAL_REGISTER_API_URL = "https://www.federalregister.gov/api/v1"
AI_INVENTORY_URLS = None        # None: the spider's year -> CSV URL table; a dict (or JSON text) overrides it
USASPENDING_MAX_PAGES = 100
# Bulk route (spiders/usaspending_bulk/spider.py): custom downloads and the Award Data Archive.
USASPENDING_ARCHIVE_URL = "https://files.usaspending.gov/award_data_archive/"
BULK_POLL_DELAY = 2.0           # seconds before the first status poll; x1.5 per poll up to BULK_POLL_MAX_DELAY
BULK_POLL_MAX_DELAY = 60.0
BULK_MAX_POLLS = 200            # a job still not finished after this many polls is recorded as lost
BULK_DOWNLOAD_TRIES = 3         # a truncated or corrupt zip is fetched again this many times
BULK_DOWNLOAD_TIMEOUT = 1800
BULK_DOWNLOAD_DIR = None        # None: downloads/ beside the staging store     # the search index answers at most 10,000 rows per query: split the window beyond

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

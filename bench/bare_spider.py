"""The ceiling for the crawl figure: a bare Scrapy spider that fetches and parses the same URLs as the project's.

Why: the project's spider adds validation, exact decimals, provenance, rejects and batched writes to staging;
this one only walks search pages -> award detail -> transactions with `response.json()` and drops the result.
The ratio of the two (same server, same concurrency cap and AutoThrottle) is the cost of doing it properly.

Usage: python -m bench.bare_spider BASE_URL  -> prints {"requests": n, "seconds": s} as JSON
"""

from __future__ import annotations

import json
import sys
from datetime import date

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import JsonRequest, Request

from spiders.usaspending.spider import SEARCH_FIELDS, fiscal_year_windows

AGENCY = {"type": "awarding", "tier": "subtier", "name": "U.S. Immigration and Customs Enforcement"}


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, base: str, since: str, until: str, **kw) -> None:
        super().__init__(**kw)
        self.base = base.rstrip("/")
        self.windows = fiscal_year_windows(date.fromisoformat(since), date.fromisoformat(until))

    def search(self, window, page: int) -> JsonRequest:
        body = {"filters": {"award_type_codes": ["A", "B", "C", "D"], "agencies": [AGENCY],
                            "time_period": [{"start_date": str(window[0]), "end_date": str(window[1])}]},
                "fields": SEARCH_FIELDS, "limit": 100, "page": page, "sort": "Award Amount", "order": "desc",
                "subawards": False}
        return JsonRequest(f"{self.base}/api/v2/search/spending_by_award/", data=body, callback=self.parse_search,
                           cb_kwargs={"window": window, "page": page}, dont_filter=True)

    async def start(self):
        for w in self.windows:
            yield self.search(w, 1)

    def parse_search(self, response, window, page):
        data = response.json()
        for row in data["results"]:
            yield Request(f"{self.base}/api/v2/awards/{row['generated_internal_id']}/", callback=self.parse_award)
        if data["page_metadata"]["hasNext"]:
            yield self.search(window, page + 1)

    def parse_award(self, response):
        gid = response.json()["generated_unique_award_id"]
        yield JsonRequest(f"{self.base}/api/v2/transactions/", data={"award_id": gid, "page": 1, "limit": 5000},
                          callback=self.parse_transactions, dont_filter=True)

    def parse_transactions(self, response):
        response.json()
        return []


def main() -> None:
    base, since, until = sys.argv[1], sys.argv[2], sys.argv[3]
    # the same politeness as the project (concurrency cap, AutoThrottle): policy, not overhead
    from spiders import settings as project

    process = CrawlerProcess({"LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
                              "TWISTED_REACTOR": project.TWISTED_REACTOR,
                              **{k: getattr(project, k) for k in dir(project)
                                 if k.startswith(("CONCURRENT_", "AUTOTHROTTLE_", "DOWNLOAD_TIMEOUT"))}})
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, base=base, since=since, until=until)
    process.start()
    st = crawler.stats
    seconds = (st.get_value("finish_time") - st.get_value("start_time")).total_seconds()
    print(json.dumps({"requests": st.get_value("downloader/request_count", 0), "seconds": seconds}))


if __name__ == "__main__":
    main()

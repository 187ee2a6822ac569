#!/usr/bin/python3
"""The asyncio version of the seed notebooks' scraper, as a benchmark peer:
aiohttp fetches, BeautifulSoup(body, 'html.parser') counts, and the
reference line is printed for every URL. At most -j transfers are open at
once (aiohttp's connector limit, whose default is 100), every URL is a task
and asyncio.gather waits for them all, as the notebooks do.

usage: ref_asyncio.py [-j N] URLFILE
"""
import argparse
import asyncio

import aiohttp
from bs4 import BeautifulSoup


async def fetch_content(session, url):
    try:
        async with session.get(url) as response:
            content = await response.read()
        # Parsing runs on the event loop, as in a plain asyncio scraper: it
        # is the CPU cost the Python peer really pays.
        soup = BeautifulSoup(content, 'html.parser')
        # One write per line, as in ref_threads.py (same output path).
        print(f'Fetched {len(soup.text)} characters from {url}\n', end='')
    except Exception as e:  # noqa: BLE001 - report and go on
        print(f'Failed {url}: {e}\n', end='')


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('-j', '--jobs', type=int, default=100)
    ap.add_argument('urlfile')
    args = ap.parse_args()
    with open(args.urlfile) as f:
        urls = [u.strip() for u in f if u.strip() and not u.startswith('#')]

    connector = aiohttp.TCPConnector(limit=args.jobs)
    timeout = aiohttp.ClientTimeout(total=None)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=timeout) as session:
        await asyncio.gather(*(fetch_content(session, u) for u in urls))


if __name__ == '__main__':
    asyncio.run(main())

#!/usr/bin/python3
"""The seed notebooks' scraper, as a benchmark peer: requests.get, then
BeautifulSoup(response.content, 'html.parser'), printing the reference line
for every URL. The notebooks start one thread per URL (threading.Thread) or
a ThreadPoolExecutor; -j N picks the pool of N workers (the fair comparison
with pscrape -j N), --per-url the notebooks' thread-per-URL loop.

usage: ref_threads.py [-j N | --per-url] URLFILE
"""
import argparse
import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from bs4 import BeautifulSoup


def fetch_content(url):
    # The notebooks' body, unchanged but for the error line: one failed URL
    # must not end a benchmark run.
    try:
        response = requests.get(url)
        soup = BeautifulSoup(response.content, 'html.parser')
        # One write per line (print() writes the newline apart, and lines
        # from threads would interleave).
        print(f'Fetched {len(soup.text)} characters from {url}\n', end='')
    except Exception as e:  # noqa: BLE001 - report, like pscrape, and go on
        print(f'Failed {url}: {e}\n', end='')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('-j', '--jobs', type=int, default=100)
    ap.add_argument('--per-url', action='store_true')
    ap.add_argument('urlfile')
    args = ap.parse_args()
    with open(args.urlfile) as f:
        urls = [u.strip() for u in f if u.strip() and not u.startswith('#')]

    if args.per_url:
        threads = []
        for url in urls:
            thread = threading.Thread(target=fetch_content, args=(url,))
            threads.append(thread)
            thread.start()
        for thread in threads:
            thread.join()
    else:
        with ThreadPoolExecutor(max_workers=args.jobs) as executor:
            executor.map(fetch_content, urls)


if __name__ == '__main__':
    main()

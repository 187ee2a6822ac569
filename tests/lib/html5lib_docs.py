#!/usr/bin/python3
"""The html5lib documents: html5lib_docs.py DIR > tests/data/html5lib/documents.jsonl

Reads the tree-construction/*.dat files of html5lib-tests in DIR (MIT
licence; tests/data/html5lib/LICENSE) and prints one JSON line per distinct
document, fragments left out: "src" (file#test number), "data" (the
#data section) and "bs4", the reference count
len(BeautifulSoup(data, 'html.parser').text) with Debian's python3-bs4
(run it with /usr/bin/python3). tests/integration/html5lib.sh serves every
document as UTF-8 and compares pscrape's count with "bs4".

The committed set comes from github:html5lib/html5lib-tests at 9329e64
(the last commit before the tree-construction tests moved to WPT).
"""
import glob
import json
import os
import sys

from bs4 import BeautifulSoup


def documents(path):
    """Yield (test number, data) of the documents (not fragments) of a .dat."""
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    i = n = 0
    while i < len(lines):
        if lines[i] != '#data':
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith(('#errors',
                                                          '#new-errors')):
            j += 1
        data = '\n'.join(lines[i + 1:j])
        k = j
        fragment = False
        while k < len(lines) and lines[k] != '#data':
            fragment = fragment or lines[k].startswith('#document-fragment')
            k += 1
        n += 1
        if not fragment:
            yield n, data
        i = k


def main():
    seen = set()
    for path in sorted(glob.glob(os.path.join(sys.argv[1], '*.dat'))):
        for n, data in documents(path):
            if data in seen:
                continue
            seen.add(data)
            count = len(BeautifulSoup(data, 'html.parser').text)
            print(json.dumps({'src': '%s#%d' % (os.path.basename(path), n),
                              'data': data, 'bs4': count},
                             ensure_ascii=False))


if __name__ == '__main__':
    main()

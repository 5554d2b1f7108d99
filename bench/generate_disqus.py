"""Write a realistic Disqus XML export of any size, deterministically (same seed, same bytes).

    python bench/generate_disqus.py --comments 1000000 --seed 7 -o var/disqus-1m.xml.gz

Shape, from what real blogs look like:
- thread sizes are heavy-tailed (a Pareto draw): most posts get a handful of comments, a
  few get thousands;
- about 45% of comments reply to an earlier comment of their thread, preferring recent
  ones, which makes long reply chains as well as bushy subtrees;
- authors' activity is Zipf-like (a few regulars write much of it), 15% of comments are
  anonymous guests without an address, registered users have a Disqus username;
- 1% of comments are deleted (their replies stay), 2% spam, every one of them a real
  ``<post>`` with the fields Disqus writes, including empty ``<id/>`` elements.

The output is streamed: memory is the thread-size table plus one thread's comment ids.
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

START = datetime(2012, 1, 1, tzinfo=UTC)
WORDS = (
    'the', 'a', 'garden', 'post', 'really', 'think', 'agree', 'tomatoes', 'light', 'seed', 'water', 'soil',
    'week', 'thanks', 'great', 'point', 'but', 'why', 'how', 'when', 'never', 'always', 'maybe',
    'interesting', 'question', 'answer', 'link', 'read', 'more', 'later', 'again', 'город', 'радио',
    'приложение', '🌱', 'ünïcödé', '<tag>', '&', '"quoted"',
)


def thread_sizes(total: int, rng: random.Random) -> list[int]:
    """Comment counts per thread, Pareto-distributed (alpha 1.2), summing to ``total``."""
    sizes: list[int] = []
    remaining = total
    while remaining > 0:
        size = min(remaining, max(1, int(rng.paretovariate(1.2))))
        sizes.append(size)
        remaining -= size
    return sizes


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 40)))


def author_index(rng: random.Random, authors: int) -> int:
    return min(authors - 1, int(rng.paretovariate(1.1)) - 1)


def generate(out: IO[str], comments: int, seed: int) -> Iterator[int]:
    """Write the export; yields the number of posts written so far, now and then."""
    rng = random.Random(seed)
    sizes = thread_sizes(comments, rng)
    authors = max(10, comments // 8)
    out.write('<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
              'xmlns:dsq="http://disqus.com/disqus-internals" '
              'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
              'xsi:schemaLocation="http://disqus.com/api/schemas/1.0/disqus.xsd '
              'http://disqus.com/api/schemas/1.0/disqus-internals.xsd">\n')
    out.write('<category dsq:id="1"><forum>benchblog</forum><title>General</title>'
              '<isDefault>true</isDefault></category>\n')
    thread_times = []
    for number in range(len(sizes)):
        created = START + timedelta(hours=number * 7 + rng.randint(0, 6))
        thread_times.append(created)
        out.write(
            f'<thread dsq:id="{1000 + number}"><id/><forum>benchblog</forum><category dsq:id="1"/>'
            f"<link>https://bench.example/{created:%Y/%m}/post-{number}.html</link>"
            f"<title>Post {number}: {escape(sentence(rng)[:60])}</title><message/>"
            f"<createdAt>{created:%Y-%m-%dT%H:%M:%SZ}</createdAt>"
            "<author><name>Owner</name><email>owner@bench.example</email><isAnonymous>false</isAnonymous>"
            "<username>owner</username></author><ipAddress>127.0.0.1</ipAddress>"
            "<isClosed>false</isClosed><isDeleted>false</isDeleted></thread>\n"
        )
    post_id = 10_000_000
    written = 0
    for number, size in enumerate(sizes):
        ids: list[int] = []
        moment = thread_times[number]
        for _ in range(size):
            post_id += 1
            moment += timedelta(seconds=rng.randint(30, 86_400))
            parent = None
            if ids and rng.random() < 0.45:
                # prefer recent comments: conversations continue where they are
                parent = ids[max(0, len(ids) - 1 - int(rng.expovariate(0.3)))]
            ids.append(post_id)
            roll = rng.random()
            deleted, spam = roll < 0.01, 0.01 <= roll < 0.03
            who = author_index(rng, authors)
            anonymous = rng.random() < 0.15
            if anonymous:
                author = f"<name>Guest {who}</name><email/><isAnonymous>true</isAnonymous>"
            else:
                author = (f"<name>Reader {who}</name><email>reader{who}@mail.example</email>"
                          f"<isAnonymous>false</isAnonymous><username>reader-{who}</username>")
            body = "" if deleted else f"<![CDATA[<p>{escape(sentence(rng))}</p>]]>"
            out.write(
                f'<post dsq:id="{post_id}"><id/><message>{body}</message>'
                f"<createdAt>{moment:%Y-%m-%dT%H:%M:%SZ}</createdAt>"
                f"<isDeleted>{str(deleted).lower()}</isDeleted><isSpam>{str(spam).lower()}</isSpam>"
                f"<author>{author}</author><ipAddress>10.{who % 250}.{number % 250}.1</ipAddress>"
                f'<thread dsq:id="{1000 + number}"/>'
                + (f'<parent dsq:id="{parent}"/>' if parent else "")
                + "</post>\n"
            )
            written += 1
            if written % 10_000 == 0:
                yield written
    out.write("</disqus>\n")
    yield written


def write_file(path: Path, comments: int, seed: int) -> None:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as out:  # type: ignore[operator]
        for _ in generate(out, comments, seed):
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-o", "--output", type=Path, required=True, help="*.xml or *.xml.gz")
    args = parser.parse_args()
    opener = gzip.open if args.output.suffix == ".gz" else open
    with opener(args.output, "wt", encoding="utf-8") as out:  # type: ignore[operator]
        for count in generate(out, args.comments, args.seed):
            print(f"\r{count:,} comments", end="", file=sys.stderr)
    print(file=sys.stderr)


if __name__ == "__main__":
    main()

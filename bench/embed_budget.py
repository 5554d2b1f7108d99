"""The embed's budgets, measured: size, requests on load, and rendering 1,000 comments.

    .venv/bin/python bench/embed_budget.py            # or: make bench-embed
    .venv/bin/python bench/embed_budget.py --runs 9 --comments 1000
    .venv/bin/python bench/embed_budget.py --embed /tmp/old-embed.js   # another build, same page and data

Budgets (issue 3): embed.js with its CSS ≤ 12 KB gzipped; one request for the thread on load
(plus the script); 1,000 comments rendered in ≤ 100 ms in headless Chromium. And count.js, which
index pages load instead of the widget, ≤ 2 KB gzipped (it carries only "N comments" per language). Exits 1 when one
is missed. A real Porch (uvicorn, SQLite in a temporary directory) and a blog page on another
origin run on loopback; the browser is Debian's /usr/bin/chromium.

"Rendered" runs from the start of the widget's own `porch:render` performance measure (building
and attaching the DOM for the whole page of comments) to the end of the first frame after it: a
requestAnimationFrame callback posts a task, which runs once that frame's style, layout and
paint are done (`porch:frame`). So the figure includes everything the browser owes before the
reader sees the comments. It is reported as wall time and as the main thread's CPU time over the
same span (every task from the render to that frame, from a Chromium trace), median of --runs
page loads. The budget is judged on wall time, or on CPU time when the machine's load average
before the bench started exceeds its CPU count (then wall time is mostly waiting for a core).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
from functools import partial
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from porch.config import Settings
from porch.domain.comments import CommentStatus
from porch.domain.markup import render_markdown
from porch.mail.senders import LogSender
from porch.services.comments import NewComment, post_comment
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.services.sites import add_site
from porch.storage.engine import create_database_engine
from porch.storage.migrate import upgrade
from porch.storage.unit_of_work import UnitOfWork
from porch.web.app import create_app

STATIC = Path(__file__).resolve().parent.parent / "src" / "porch" / "web" / "static"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SIZE_BUDGET = 12 * 1000  # bytes gzipped; 12 KB read as 12,000 bytes, the stricter reading
COUNT_SIZE_BUDGET = 2 * 1000
RENDER_BUDGET_MS = 100.0
BODY = ("A comment of ordinary length, with **some emphasis**, a [link](https://example.org/page) and a second "
        "sentence so it wraps over two lines like real conversation does.\n\nAnd a second paragraph.")


def serve(app: Any) -> tuple[str, uvicorn.Server]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", ws="none",
                                           timeout_graceful_shutdown=1))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    ready = threading.Event()
    while not server.started:
        ready.wait(0.01)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server


def build_thread(ctx: Context, site_key: str, uri: str, count: int) -> None:
    """`count` comments: 50 top-level conversations, each a few chains of replies 4 deep."""
    first = post_comment(ctx, NewComment(site_key=site_key, uri=uri, body=BODY, author_name="Carma"),
                         Requester(browser_token="bench:first"))
    now = ctx.clock()
    html = render_markdown(BODY)
    with ctx.uow(write=True) as uow:
        people = [uow.people.add(display_name=name, website=None, now=now)
                  for name in ("Linda Della Donna", "Dawud Miracle", "William", "Kate", "Suzanne")]
        top = first.comment.id
        parent = top
        for n in range(1, count):
            if n % 20 == 0:
                parent_id = None
            elif n % 20 % 4 == 1:
                parent_id = top
            else:
                parent_id = parent
            person = people[n % len(people)]
            comment = uow.comments.add(
                thread_id=first.thread.id, parent_id=parent_id, person_id=person.id, author_name=person.display_name,
                author_website=None, body_source=BODY, body_html=html, status=CommentStatus.PUBLISHED, now=now,
                edit_token_hash=None, remote_addr=None)
            if parent_id is None:
                top = comment.id
            parent = comment.id
        uow.threads.add_to_count(first.thread.id, count - 1, now=now)
        uow.commit()


def render_cpu_ms(trace: Any) -> float:
    """CPU time (``tdur``) of the renderer's main thread from the render to the end of the first frame
    after it: wall time on a busy machine includes the time the renderer waited for a core; this
    does not. Counts every outermost traced slice on that thread that overlaps the span."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    begin = next(e for e in events if e.get("name") == "porch:render" and e.get("ph") == "b")
    frame = next(e for e in events if e.get("name") == "porch:frame" and e.get("ph") in ("R", "I", "n"))
    slices = sorted((e for e in events if e.get("tid") == begin["tid"] and e.get("ph") == "X" and "tdur" in e
                     and e["ts"] + e.get("dur", 0) >= begin["ts"] and e["ts"] <= frame["ts"]),
                    key=lambda e: (e["ts"], -e.get("dur", 0)))
    total, covered_until = 0, -1
    for e in slices:
        if e["ts"] >= covered_until:  # not inside a slice already counted
            total += e["tdur"]
            covered_until = e["ts"] + e.get("dur", 0)
    return total / 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--embed", type=Path, default=STATIC / "embed.js",
                        help="measure this build of embed.js instead (e.g. an older one: git show REV:src/porch/web/"
                             "static/embed.js > /tmp/old.js)")
    args = parser.parse_args()
    # Before this script adds its own: Chromium's processes, the servers and Playwright keep more
    # threads runnable than a 2-CPU machine has, so the load average at the end mostly measures
    # the bench itself and would call every machine busy.
    load_before = os.getloadavg()

    embed = args.embed.read_bytes()
    gzipped = len(gzip.compress(embed, compresslevel=9))
    gzipped_6 = len(gzip.compress(embed, compresslevel=6))
    count_script = (STATIC / "count.js").read_bytes()
    count_gzipped = len(gzip.compress(count_script, compresslevel=9))

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{tmp}/bench.db"
        engine = create_database_engine(database)
        upgrade(engine)
        pages: dict[str, str] = {}
        def blog_page(request: Any) -> HTMLResponse:
            path = request.url.path
            return HTMLResponse(pages.get(path, ""), 200 if path in pages else 404)

        blog_url, blog = serve(Starlette(routes=[Route("/{p:path}", blog_page)]))
        porch_app_holder = Starlette()
        porch_url, porch = serve(porch_app_holder)
        ctx = Context(uow=partial(UnitOfWork, engine), mail=LogSender(), base_url=porch_url)
        porch_app_holder.mount("/", create_app(Settings(database_url=database, base_url=porch_url), context=ctx))
        site = add_site(ctx, "bench", [blog_url])
        uri = blog_url + "/big-thread.html"
        build_thread(ctx, site.key, uri, args.comments)
        pages["/big-thread.html"] = (
            f'<!doctype html><meta charset="utf-8"><title>Big thread</title><h1>A post</h1>'
            f'<div id="porch-thread"></div><script src="{porch_url}/embed.js" data-porch-site="{site.key}" async>'
            "</script>")

        renders, to_frame, cpu, thread_requests, other_requests = [], [], [], [], set()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            for _ in range(args.runs):
                page = browser.new_page(viewport={"width": 900, "height": 900})
                # The end of the first frame after the render: a task posted from that frame's
                # requestAnimationFrame callback runs once its style, layout and paint are done.
                page.add_init_script("""{
                    const measure = performance.measure.bind(performance);
                    performance.measure = (name, options) => {
                        const entry = measure(name, options);
                        if (name === 'porch:render') {
                            requestAnimationFrame(() => setTimeout(() => {
                                window.__porchFrame = performance.now() - entry.startTime;
                                performance.mark('porch:frame');
                                console.debug('porch:frame');
                            }));
                        }
                        return entry;
                    };
                }""")
                requests: list[str] = []
                page.on("request", lambda request, log=requests: log.append(request.method + " " + request.url))
                browser.start_tracing(page=page, categories=["toplevel", "blink.user_timing", "devtools.timeline"])
                if args.embed != STATIC / "embed.js":
                    page.route(porch_url + "/embed.js", lambda route: route.fulfill(
                        body=embed, content_type="text/javascript", headers={"Access-Control-Allow-Origin": "*"}))
                # Wait for the frame's console message, not by polling the page: the first poll makes
                # Playwright evaluate its own injected script (~330 KB, 5-15 ms of the main thread),
                # which otherwise lands inside the measured span in some runs and not others.
                with page.expect_console_message(lambda message: message.text == "porch:frame"):
                    page.goto(uri)
                cpu.append(render_cpu_ms(json.loads(browser.stop_tracing())))
                result = page.evaluate("""() => {
                    const m = performance.getEntriesByName('porch:render')[0];
                    const root = document.querySelector('#porch-thread').shadowRoot;
                    return {render: m.duration, frame: window.__porchFrame, nodes: m.detail,
                            articles: root.querySelectorAll('article').length};
                }""")
                assert result["articles"] == args.comments, result
                renders.append(result["render"])
                to_frame.append(result["frame"])
                thread_requests.append(sum("/api/v1/threads" in r for r in requests))
                other_requests.update(r.split("?")[0] for r in requests if "/api/v1/threads" not in r)
                page.close()
            browser.close()
        porch.should_exit = blog.should_exit = True

    render_ms, frame_ms, cpu_ms = statistics.median(renders), statistics.median(to_frame), statistics.median(cpu)
    print(f"embed.js: {len(embed):,} bytes, {gzipped:,} gzipped (-9), {gzipped_6:,} gzipped (-6)"
          f"   budget {SIZE_BUDGET:,}: {'ok' if gzipped <= SIZE_BUDGET else 'OVER'}")
    print(f"count.js: {len(count_script):,} bytes, {count_gzipped:,} gzipped (-9)"
          f"   budget {COUNT_SIZE_BUDGET:,}: {'ok' if count_gzipped <= COUNT_SIZE_BUDGET else 'OVER'}")
    print(f"requests for the thread on load: {max(thread_requests)} (per run: {thread_requests})"
          f"   budget 1: {'ok' if max(thread_requests) == 1 else 'OVER'}")
    print("other requests on load: " + ", ".join(sorted(other_requests)))
    # On an oversubscribed machine wall time mostly measures the wait for a core; the renderer's
    # own CPU time is then the fair figure. (Even an idle 2-CPU machine does not make the two
    # agree: Chromium's browser, GPU and worker threads share the second CPU with the servers and
    # Playwright, and the renderer's main thread waits its turn for part of the span.)
    busy = load_before[0] > (os.cpu_count() or 1)
    judged = cpu_ms if busy else frame_ms
    print(f"render {args.comments:,} comments, median of {args.runs}: {frame_ms:.1f} ms wall to the first frame after "
          f"it ({render_ms:.1f} ms of it building and attaching the DOM), {cpu_ms:.1f} ms CPU to that frame")
    print(f"   budget {RENDER_BUDGET_MS:.0f} ms, judged on {'CPU time (machine busy)' if busy else 'wall time'}: "
          f"{'ok' if judged <= RENDER_BUDGET_MS else 'OVER'}")
    print(f"   wall to the first frame, all runs: {', '.join(f'{v:.1f}' for v in to_frame)}")
    print(f"   CPU, all runs: {', '.join(f'{v:.1f}' for v in cpu)}")
    print(f"   load average before the bench: {', '.join(f'{v:.1f}' for v in load_before)}; after it: "
          f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}; on {os.cpu_count()} CPUs")
    ok = (gzipped <= SIZE_BUDGET and count_gzipped <= COUNT_SIZE_BUDGET and max(thread_requests) == 1
          and judged <= RENDER_BUDGET_MS)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

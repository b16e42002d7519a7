"""``python -m payments.stripe_fake --port 12111 [--webhook-url URL --webhook-secret whsec_...]``."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from .server import StripeFake

logger = logging.getLogger("payments.stripe_fake")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m payments.stripe_fake", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", help="POST every event here, signed")
    parser.add_argument("--webhook-secret", help="the endpoint's signing secret (whsec_...)")
    parser.add_argument("--webhook-mode", choices=("immediate", "queue"), default="immediate")
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        help="accept only this secret key (repeatable; default: any sk_test_ key)",
    )
    parser.add_argument(
        "--public-url", help="base URL for links the fake hands out (3DS, onboarding)"
    )
    args = parser.parse_args(argv)
    if bool(args.webhook_url) != bool(args.webhook_secret):
        parser.error("--webhook-url and --webhook-secret go together")

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    fake = StripeFake(
        args.host,
        args.port,
        api_keys=set(args.api_keys) if args.api_keys else None,
        public_url=args.public_url,
    )
    fake.start()
    if args.webhook_url:
        fake.configure_webhook(args.webhook_url, args.webhook_secret, mode=args.webhook_mode)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    logger.info("stripe fake listening on %s (control API under %s/_fake/)", fake.url, fake.url)
    try:
        stopping.wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()

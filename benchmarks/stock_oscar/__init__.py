"""A stock django-oscar 4.2.1 shop for ``benchmarks/bench_shop.py`` to compare against (README.md)."""

"""A version number for the category tree, so cached menus change as soon as a category does.

Templates cache the category menus under ``category_tree_version()``; saving or deleting a category
bumps it. Tree moves made with treebeard's bulk updates send no signal, so the cached fragments also
expire after ``CATEGORY_MENU_SECONDS``.
"""

from django.core.cache import cache

CATEGORY_TREE_VERSION_KEY = "catalogue:category-tree-version"
CATEGORY_MENU_SECONDS = 300


def category_tree_version() -> int:
    version = cache.get(CATEGORY_TREE_VERSION_KEY)
    if version is None:
        cache.add(CATEGORY_TREE_VERSION_KEY, 1, None)
        version = cache.get(CATEGORY_TREE_VERSION_KEY) or 1
    return int(version)


def category_tree_version_bump(**_kwargs) -> None:
    """Signal receiver: a category changed; every cached menu is now stale."""
    try:
        cache.incr(CATEGORY_TREE_VERSION_KEY)
    except ValueError:  # not set yet: the next read starts a fresh version
        cache.set(CATEGORY_TREE_VERSION_KEY, 2, None)

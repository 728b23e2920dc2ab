"""The API answers through the same page cache as the site: the same fixtures."""

from tests.public.conftest import demo, fresh_page_cache  # noqa: F401

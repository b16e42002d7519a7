"""Product and category content in Persian, English, Arabic and Russian (django-modeltranslation).

The plain ``title`` attribute reads the active language's column and falls back to English, then
Persian, so a missing translation shows text, never a blank.
"""

from modeltranslation.translator import TranslationOptions, register
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")


@register(Product)
class ProductTranslationOptions(TranslationOptions):
    fields = ("title", "description")


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name", "description")

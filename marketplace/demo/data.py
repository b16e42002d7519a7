"""Demo data for `manage.py load_demo`: plain Python, reviewed like code.

Twelve Mashhad merchants and about 150 of their products, with Persian and English text, prices in
Iranian rials (IRR, whole rials), stock, and the customs facts a cross-border order needs: a real
HS 2022 subheading (checked against `customs.HSCode` when loading), origin IR and net weight.

Natural keys: merchants by `slug`, categories by `code`, products by UPC (``MHD-`` + SKU, the
SKU doubling as the merchant's `partner_sku`), users by email.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from marketplace.core.roles import (
    CUSTOMS_OFFICER,
    MERCHANT_STAFF,
    MUNICIPAL_FINANCE,
    MUNICIPAL_STAFF,
)

SITE_DOMAIN: Final = "127.0.0.1:8000"
SITE_NAME: Final = "Mashhad e-City Marketplace"

#: Countries we ship to (ISO 3166-1 alpha-2): Iran and its neighbours. Every other country is
#: loaded with shipping off.
SHIPPING_COUNTRIES: Final = frozenset({"IR", "AF", "IQ", "TM", "PK", "AZ", "TR", "AM"})

# Printed by load_demo on purpose: these accounts exist only in demo databases.
DEFAULT_PASSWORD: Final = "mashhad-demo-2026"  # noqa: S105
CURRENCY: Final = "IRR"
UPC_PREFIX: Final = "MHD-"


class DemoProductClass(NamedTuple):
    slug: str
    name: str
    requires_shipping: bool
    track_stock: bool


PRODUCT_CLASS: Final = DemoProductClass(
    slug="goods", name="Goods", requires_shipping=True, track_stock=True
)


class DemoCategory(NamedTuple):
    code: str  # natural key; also the slug
    name_en: str
    name_fa: str
    description_en: str
    description_fa: str


CATEGORIES: Final[tuple[DemoCategory, ...]] = (
    DemoCategory(
        "saffron",
        "Saffron",
        "زعفران",
        "Khorasan saffron, graded by the cut of its threads.",
        "زعفران خراسان، درجه‌بندی‌شده بر اساس برش رشته‌ها.",
    ),
    DemoCategory(
        "nuts-dried-fruit",
        "Nuts & dried fruit",
        "آجیل و خشکبار",
        "Pistachios, almonds, walnuts, dates, raisins and figs.",
        "پسته، بادام، گردو، خرما، کشمش و انجیر.",
    ),
    DemoCategory(
        "barberries",
        "Barberries",
        "زرشک",
        "Seedless barberries from Qaen and Birjand, dried, frozen and preserved.",
        "زرشک بی‌دانه قائن و بیرجند؛ خشک، منجمد و فرآوری‌شده.",
    ),
    DemoCategory(
        "carpets-rugs",
        "Carpets & rugs",
        "فرش و گلیم",
        "Hand-knotted carpets, rugs and kilims from Mashhad and Khorasan.",
        "فرش، قالیچه و گلیم دستباف مشهد و خراسان.",
    ),
    DemoCategory(
        "turquoise-jewellery",
        "Turquoise & jewellery",
        "فیروزه و جواهرات",
        "Neyshabur turquoise, loose and set in silver and gold.",
        "فیروزه نیشابور، به صورت نگین و در کار نقره و طلا.",
    ),
    DemoCategory(
        "leather-goods",
        "Leather goods",
        "محصولات چرمی",
        "Bags, wallets, belts and jackets cut and sewn in Mashhad.",
        "کیف، کیف پول، کمربند و کاپشن، برش و دوخت مشهد.",
    ),
    DemoCategory(
        "sweets",
        "Sweets (nabat, sohan)",
        "شیرینی (نبات، سوهان)",
        "Saffron nabat, sohan, gaz and traditional cookies.",
        "نبات زعفرانی، سوهان، گز و شیرینی‌های سنتی.",
    ),
    DemoCategory(
        "herbs-spices",
        "Herbs & spices",
        "گیاهان دارویی و ادویه",
        "Spices, dried herbs, rosewater and herbal distillates.",
        "ادویه، گیاهان خشک، گلاب و عرقیات گیاهی.",
    ),
    DemoCategory(
        "handicrafts",
        "Handicrafts",
        "صنایع دستی",
        "Hammered copper, minakari, termeh, soapstone and khatam.",
        "مس چکشی، میناکاری، ترمه، ظروف سنگی و خاتم.",
    ),
)


class DemoMerchant(NamedTuple):
    slug: str  # natural key; also the Oscar partner's code
    name_en: str
    name_fa: str


MERCHANTS: Final[tuple[DemoMerchant, ...]] = (
    DemoMerchant("novin-saffron", "Novin Saffron House", "زعفران نوین"),
    DemoMerchant("ferdowsi-carpets", "Ferdowsi Carpet Bazaar", "بازار فرش فردوسی"),
    DemoMerchant("golestan-pistachio", "Golestan Pistachio Roastery", "برشته‌کاری پسته گلستان"),
    DemoMerchant("firouzeh-neyshabur", "Firouzeh Neyshabur Jewellers", "جواهری فیروزه نیشابور"),
    DemoMerchant("toos-leather", "Toos Leather Workshop", "کارگاه چرم توس"),
    DemoMerchant("haj-ali-nabat", "Haj Ali Nabat House", "نبات حاج علی"),
    DemoMerchant("qaenat-barberry", "Qaenat Barberry Growers", "زرشک قائنات"),
    DemoMerchant("shirin-sohan", "Shirin Sohan & Sweets", "سوهان و شیرینی شیرین"),
    DemoMerchant("sadegh-spices", "Sadegh Spice & Herb Shop", "عطاری صادق"),
    DemoMerchant("toranj-handicrafts", "Toranj Handicrafts Workshop", "کارگاه صنایع دستی ترنج"),
    DemoMerchant("bahar-rosewater", "Bahar Rosewater & Herbal House", "گلاب و عرقیات بهار"),
    DemoMerchant(
        "khorasan-dried-fruit", "Khorasan Dried Fruit Wholesale", "عمده‌فروشی خشکبار خراسان"
    ),
)


class DemoProduct(NamedTuple):
    sku: str  # the merchant's partner_sku; the product's UPC is UPC_PREFIX + sku
    category: str  # DemoCategory.code
    title_en: str
    title_fa: str
    description_en: str
    description_fa: str
    price_irr: int  # whole rials (IRR has no minor unit in use)
    num_in_stock: int
    hs_code: str  # HS 2022 subheading, 6 digits
    net_weight_grams: int
    customs_description: str  # English, for the declaration


P = DemoProduct

# Prices are in rials (10 rials = 1 toman), on one scale: 1 mithqal (4.608 g) of Sargol saffron
# is 4,500,000 IRR; a room-size hand-knotted carpet runs to hundreds of millions.
# Each product: sku, category, title_en, title_fa, description_en, description_fa,
#               price_irr, num_in_stock, hs_code, net_weight_grams, customs_description.
# The table is laid out by hand, one product per block (the formatter would give each field a line).
# fmt: off
PRODUCTS: Final[dict[str, tuple[DemoProduct, ...]]] = {
    "novin-saffron": (
        P(
            "NOV-001", "saffron",
            "Sargol saffron, 1 mithqal (4.6 g)", "زعفران سرگل، یک مثقال (۴٫۶ گرم)",
            "All-red stigma tips from Torbat-e Heydarieh, hand-sorted and sealed in a glass vial.",
            "کلاله‌های تمام‌قرمز زعفران تربت حیدریه، پاک‌شده با دست و بسته‌بندی در شیشه.",
            4_500_000, 120, "091020", 5, "Saffron, dried stigmas, not crushed or ground, glass vial",
        ),
        P(
            "NOV-002", "saffron",
            "Sargol saffron, half mithqal (2.3 g)", "زعفران سرگل، نیم مثقال (۲٫۳ گرم)",
            "A smaller vial of the same Sargol grade, enough for about ten family meals.",
            "ویال کوچک‌تر از همان زعفران سرگل، کافی برای حدود ده وعده غذای خانوادگی.",
            2_350_000, 150, "091020", 2, "Saffron, dried stigmas, not crushed or ground, glass vial",
        ),
        P(
            "NOV-003", "saffron",
            "Sargol saffron, 5 mithqal tin (23 g)", "زعفران سرگل، قوطی پنج مثقالی (۲۳ گرم)",
            "Five mithqals in a light-proof tin for restaurants and keen home cooks.",
            "پنج مثقال در قوطی فلزی ضد نور، مناسب رستوران‌ها و آشپزهای حرفه‌ای.",
            21_500_000, 40, "091020", 23, "Saffron, dried stigmas, not crushed or ground, metal tin",
        ),
        P(
            "NOV-004", "saffron",
            "Negin saffron, 1 mithqal", "زعفران نگین، یک مثقال",
            "Long, thick, evenly cut threads: the top grade of Khorasan saffron.",
            "رشته‌های بلند، ضخیم و یکدست؛ بالاترین درجه زعفران خراسان.",
            5_200_000, 80, "091020", 5, "Saffron, dried stigmas, not crushed or ground, glass vial",
        ),
        P(
            "NOV-005", "saffron",
            "Super Negin saffron, 2 mithqal in a khatam box", "زعفران سوپرنگین، دو مثقال در جعبه خاتم",
            "Super Negin threads presented in a hand-made khatam marquetry box, a classic gift.",
            "زعفران سوپرنگین در جعبه خاتم‌کاری دست‌ساز؛ هدیه‌ای اصیل.",
            11_800_000, 25, "091020", 9, "Saffron, dried stigmas, in wooden marquetry gift box",
        ),
        P(
            "NOV-006", "saffron",
            "Pushal saffron, 1 mithqal", "زعفران پوشال، یک مثقال",
            "Red stigmas with a little of the yellow style, strong in colour and aroma.",
            "کلاله قرمز همراه با کمی خامه زرد، با رنگ و عطر قوی.",
            3_900_000, 100, "091020", 5, "Saffron, dried stigmas with style, glass vial",
        ),
        P(
            "NOV-007", "saffron",
            "Bunch (dasteh) saffron, 1 mithqal", "زعفران دسته، یک مثقال",
            "Whole threads, stigma and style together, tied in traditional bunches.",
            "رشته‌های کامل زعفران با کلاله و خامه، به شکل سنتی دسته‌شده.",
            3_400_000, 90, "091020", 5, "Saffron, whole dried threads (stigma and style)",
        ),
        P(
            "NOV-008", "saffron",
            "Sargol saffron, 10 g jar", "زعفران سرگل، ظرف ۱۰ گرمی",
            "Ten grams of Sargol in an airtight glass jar with a wooden lid.",
            "ده گرم زعفران سرگل در ظرف شیشه‌ای دربسته با درب چوبی.",
            9_600_000, 60, "091020", 10, "Saffron, dried stigmas, not crushed or ground, glass jar",
        ),
        P(
            "NOV-009", "saffron",
            "Ground saffron, 2 g", "پودر زعفران، ۲ گرم",
            "Stone-ground Sargol saffron, ready to bloom in warm water.",
            "زعفران سرگل آسیاب‌شده با سنگ، آماده دم کردن.",
            1_900_000, 150, "091020", 2, "Saffron, ground, retail sachet",
        ),
        P(
            "NOV-010", "saffron",
            "Sargol saffron, 25 g catering tin", "زعفران سرگل، قوطی ۲۵ گرمی",
            "A catering tin for kitchens that use saffron every day.",
            "قوطی عمده برای آشپزخانه‌هایی که هر روز زعفران مصرف می‌کنند.",
            24_000_000, 20, "091020", 25, "Saffron, dried stigmas, not crushed or ground, metal tin",
        ),
        P(
            "NOV-011", "saffron",
            "Saffron gift set, 4 × 1 mithqal in a termeh pouch", "ست هدیه زعفران، چهار مثقال در کیسه ترمه",
            "Four vials of Sargol saffron in a hand-woven termeh pouch from Yazd.",
            "چهار شیشه زعفران سرگل در کیسه ترمه دست‌باف یزد.",
            19_500_000, 30, "091020", 18, "Saffron, dried stigmas, four glass vials in textile gift pouch",
        ),
        P(
            "NOV-012", "saffron",
            "Saffron black tea, 450 g", "چای سیاه زعفرانی، ۴۵۰ گرم",
            "Lahijan black tea blended with saffron threads for a golden cup.",
            "چای سیاه لاهیجان آمیخته با رشته‌های زعفران برای چایی طلایی‌رنگ.",
            1_650_000, 80, "090230", 450, "Black tea, fermented, flavoured with saffron, retail pack",
        ),
        P(
            "NOV-013", "saffron",
            "Sargol saffron sample, quarter mithqal (1.15 g)", "نمونه زعفران سرگل، ربع مثقال (۱٫۱۵ گرم)",
            "A small sample vial for first-time buyers.",
            "ویال کوچک برای کسانی که اولین بار خرید می‌کنند.",
            1_200_000, 200, "091020", 1, "Saffron, dried stigmas, not crushed or ground, sample vial",
        ),
    ),
    "ferdowsi-carpets": (
        P(
            "CRP-001", "carpets-rugs",
            "Mashhad hand-knotted wool carpet, 2 × 3 m, red medallion",
            "فرش دستباف مشهد، ۲ در ۳ متر، لچک‌ترنج لاکی",
            "Kork wool on a cotton foundation, about 40 raj, woven in a Mashhad workshop over eight months.",
            "پشم کرک بر چله پنبه‌ای، حدود ۴۰ رج، بافته‌شده در کارگاهی در مشهد طی هشت ماه.",
            185_000_000, 6, "570110", 18_000, "Carpet, hand-knotted, of wool, 2 x 3 m",
        ),
        P(
            "CRP-002", "carpets-rugs",
            "Mashhad hand-knotted wool carpet, 2.5 × 3.5 m, navy Shah Abbasi",
            "فرش دستباف مشهد، ۲٫۵ در ۳٫۵ متر، شاه‌عباسی سرمه‌ای",
            "Shah Abbasi palmettes on a deep navy field, natural dyes.",
            "نقش شاه‌عباسی بر زمینه سرمه‌ای، با رنگ‌های گیاهی.",
            295_000_000, 5, "570110", 26_000, "Carpet, hand-knotted, of wool, 2.5 x 3.5 m",
        ),
        P(
            "CRP-003", "carpets-rugs",
            "Mashhad hand-knotted wool carpet, 3 × 4 m, Amoghli design",
            "فرش دستباف مشهد، ۳ در ۴ متر، طرح عمواوغلی",
            "A room-size carpet in the celebrated Amoghli design of Mashhad's master weavers.",
            "فرش اتاقی در طرح مشهور عمواوغلی، از کارهای استادکاران مشهد.",
            640_000_000, 5, "570110", 36_000, "Carpet, hand-knotted, of wool, 3 x 4 m",
        ),
        P(
            "CRP-004", "carpets-rugs",
            "Kashmar hand-knotted wool carpet, 1.5 × 2.25 m", "فرش دستباف کاشمر، ۱٫۵ در ۲٫۲۵ متر",
            "Dense Kashmar weave with a floral all-over pattern.",
            "بافت فشرده کاشمر با نقش افشان گل‌دار.",
            98_000_000, 8, "570110", 10_000, "Carpet, hand-knotted, of wool, 1.5 x 2.25 m",
        ),
        P(
            "CRP-005", "carpets-rugs",
            "Baluch wool prayer rug, 0.9 × 1.4 m", "سجاده پشمی بلوچ، ۰٫۹ در ۱٫۴ متر",
            "Dark madder and indigo mihrab design from the Baluch weavers of Torbat-e Jam.",
            "طرح محرابی با رنگ روناس و نیل، کار بافندگان بلوچ تربت جام.",
            24_000_000, 15, "570110", 3_500, "Prayer rug, hand-knotted, of wool, 0.9 x 1.4 m",
        ),
        P(
            "CRP-006", "carpets-rugs",
            "Baluch hand-knotted wool rug, 1.2 × 1.8 m", "قالیچه دستباف بلوچ، ۱٫۲ در ۱٫۸ متر",
            "Geometric guls in deep reds and browns.",
            "گل‌های هندسی در رنگ‌های قرمز تیره و قهوه‌ای.",
            42_000_000, 10, "570110", 5_800, "Rug, hand-knotted, of wool, 1.2 x 1.8 m",
        ),
        P(
            "CRP-007", "carpets-rugs",
            "Turkmen (Sarakhs) hand-knotted wool rug, 1.3 × 2 m", "قالیچه دستباف ترکمن سرخس، ۱٫۳ در ۲ متر",
            "The classic Turkmen gul on a madder-red field.",
            "نقش گل ترکمن بر زمینه قرمز روناسی.",
            56_000_000, 10, "570110", 6_500, "Rug, hand-knotted, of wool, 1.3 x 2 m",
        ),
        P(
            "CRP-008", "carpets-rugs",
            "Qom silk hand-knotted rug, 1 × 1.5 m", "قالیچه ابریشمی قم، ۱ در ۱٫۵ متر",
            "Pure silk pile and foundation, over a million knots per square metre.",
            "پرز و چله تمام‌ابریشم، بیش از یک میلیون گره در هر متر مربع.",
            380_000_000, 5, "570190", 3_000, "Rug, hand-knotted, of silk, 1 x 1.5 m",
        ),
        P(
            "CRP-009", "carpets-rugs",
            "Gabbeh hand-knotted wool rug, 1 × 1.5 m", "گبه دستباف، ۱ در ۱٫۵ متر",
            "A thick, soft-piled nomad rug with a simple modern field.",
            "گبه عشایری با پرز بلند و نرم و طرح ساده.",
            32_000_000, 12, "570110", 4_000, "Rug (gabbeh), hand-knotted, of wool, 1 x 1.5 m",
        ),
        P(
            "CRP-010", "carpets-rugs",
            "Quchan Kurdish kilim, 1.5 × 2.2 m", "گلیم کردی قوچان، ۱٫۵ در ۲٫۲ متر",
            "Flat-woven wool kilim from the Kurdish villages of Quchan.",
            "گلیم پشمی تخت‌باف از روستاهای کرد قوچان.",
            38_000_000, 12, "570210", 6_000, "Kilim, hand-woven, of wool, 1.5 x 2.2 m",
        ),
        P(
            "CRP-011", "carpets-rugs",
            "Hand-knotted wool runner, 0.8 × 3 m", "کناره دستباف پشمی، ۰٫۸ در ۳ متر",
            "A long runner for hallways, in Mashhad's herati pattern.",
            "کناره بلند برای راهرو، با نقش هراتی مشهد.",
            76_000_000, 8, "570110", 6_000, "Runner, hand-knotted, of wool, 0.8 x 3 m",
        ),
        P(
            "CRP-012", "carpets-rugs",
            "Carpet cushion cover (poshti), 50 × 50 cm", "روکش پشتی قالیچه‌ای، ۵۰ در ۵۰ سانتی‌متر",
            "Hand-knotted wool face with a kilim back, for a traditional floor cushion.",
            "رویه دستباف پشمی با پشت گلیمی، برای پشتی سنتی.",
            12_500_000, 20, "630499", 1_200, "Cushion cover, hand-knotted wool face, not knitted",
        ),
        P(
            "CRP-013", "carpets-rugs",
            "Kilim saddlebag (khorjin)", "خورجین گلیمی",
            "A double saddlebag woven in kilim, now a striking shoulder bag or wall piece.",
            "خورجین دوقلوی گلیم‌باف، برای آویز دیواری یا کیف دوشی.",
            9_800_000, 15, "420292", 1_800, "Bag with outer surface of textile material (wool kilim)",
        ),
    ),
    "golestan-pistachio": (
        P(
            "PST-001", "nuts-dried-fruit",
            "Akbari pistachios, raw in shell, 1 kg", "پسته اکبری خام، ۱ کیلوگرم",
            "Long, large Akbari nuts from Feyzabad orchards, naturally split.",
            "پسته درشت و کشیده اکبری از باغ‌های فیض‌آباد، خندان طبیعی.",
            5_200_000, 150, "080251", 1_000, "Pistachios, in shell, dried, not roasted",
        ),
        P(
            "PST-002", "nuts-dried-fruit",
            "Ahmad-Aghaei pistachios, raw in shell, 1 kg", "پسته احمدآقایی خام، ۱ کیلوگرم",
            "Almond-shaped nuts with bright green kernels.",
            "پسته بادامی‌شکل با مغز سبز روشن.",
            4_600_000, 150, "080251", 1_000, "Pistachios, in shell, dried, not roasted",
        ),
        P(
            "PST-003", "nuts-dried-fruit",
            "Kalleh-Ghouchi pistachios, raw in shell, 1 kg", "پسته کله‌قوچی خام، ۱ کیلوگرم",
            "Round, jumbo-size nuts with a rich, buttery taste.",
            "پسته گرد و درشت با طعم چرب و کره‌ای.",
            4_300_000, 150, "080251", 1_000, "Pistachios, in shell, dried, not roasted",
        ),
        P(
            "PST-004", "nuts-dried-fruit",
            "Fandoghi pistachios, raw in shell, 1 kg", "پسته فندقی خام، ۱ کیلوگرم",
            "The small, round everyday pistachio, Iran's most widely grown variety.",
            "پسته ریز و گرد روزمره، پرکشت‌ترین رقم پسته ایران.",
            3_800_000, 200, "080251", 1_000, "Pistachios, in shell, dried, not roasted",
        ),
        P(
            "PST-005", "nuts-dried-fruit",
            "Akbari pistachios, roasted and salted, 500 g", "پسته اکبری شور برشته، ۵۰۰ گرم",
            "Roasted in small batches with Khorasan rock salt.",
            "برشته‌شده در دسته‌های کوچک با نمک سنگ خراسان.",
            2_900_000, 120, "200819", 500, "Pistachios, in shell, roasted and salted",
        ),
        P(
            "PST-006", "nuts-dried-fruit",
            "Pistachios roasted with saffron and lemon, 500 g", "پسته برشته زعفرانی لیمویی، ۵۰۰ گرم",
            "Fandoghi pistachios roasted with saffron and lemon juice.",
            "پسته فندقی برشته‌شده با زعفران و آبلیمو.",
            2_450_000, 100, "200819", 500, "Pistachios, in shell, roasted, flavoured with saffron and lemon",
        ),
        P(
            "PST-007", "nuts-dried-fruit",
            "Green pistachio kernels, 500 g", "مغز پسته سبز، ۵۰۰ گرم",
            "Early-harvest kernels, bright green, for sweets and ice cream.",
            "مغز پسته نوبرانه سبز روشن، برای شیرینی و بستنی.",
            6_800_000, 80, "080252", 500, "Pistachios, shelled, dried, not roasted",
        ),
        P(
            "PST-008", "nuts-dried-fruit",
            "Pistachio slivers, 250 g", "خلال پسته، ۲۵۰ گرم",
            "Hand-cut slivers for rice dishes and sholeh zard.",
            "خلال پسته دست‌بُر برای پلو و شله‌زرد.",
            4_100_000, 80, "080252", 250, "Pistachios, shelled, slivered, not roasted",
        ),
        P(
            "PST-009", "nuts-dried-fruit",
            "Mamra almond kernels, 500 g", "مغز بادام مامرا، ۵۰۰ گرم",
            "Oil-rich Mamra almonds, raw and unpeeled.",
            "بادام مامرای پرروغن، خام و پوست‌دار.",
            3_100_000, 80, "080212", 500, "Almonds, shelled, dried, not roasted",
        ),
        P(
            "PST-010", "nuts-dried-fruit",
            "Walnut kernels, 500 g", "مغز گردو، ۵۰۰ گرم",
            "Light halves from Khorasan walnut trees.",
            "مغز گردوی روشن و دوپر از درختان خراسان.",
            2_200_000, 100, "080232", 500, "Walnuts, shelled, dried",
        ),
        P(
            "PST-011", "nuts-dried-fruit",
            "Roasted hazelnut kernels, 500 g", "مغز فندق برشته، ۵۰۰ گرم",
            "Skinned hazelnuts, slow-roasted.",
            "فندق پوست‌گرفته و برشته با حرارت ملایم.",
            2_600_000, 80, "200819", 500, "Hazelnuts, shelled, roasted",
        ),
        P(
            "PST-012", "nuts-dried-fruit",
            "Mixed roasted nuts (ajil), 1 kg", "آجیل مخلوط برشته، ۱ کیلوگرم",
            "Pistachios, almonds, hazelnuts and pumpkin seeds, roasted and lightly salted.",
            "پسته، بادام، فندق و تخمه کدو، برشته و کم‌نمک.",
            4_200_000, 100, "200819", 1_000, "Mixed nuts and seeds, roasted and salted",
        ),
        P(
            "PST-013", "nuts-dried-fruit",
            "Roasted pumpkin seeds, 500 g", "تخمه کدو برشته، ۵۰۰ گرم",
            "Salted, roasted seeds of Khorasan pumpkins.",
            "تخمه کدوی خراسان، شور و برشته.",
            900_000, 150, "200819", 500, "Pumpkin seeds, roasted and salted",
        ),
    ),
    "firouzeh-neyshabur": (
        P(
            "TRQ-001", "turquoise-jewellery",
            "Neyshabur turquoise cabochon, 5 ct", "نگین فیروزه نیشابور، ۵ قیراط",
            "Sky-blue Neyshabur turquoise, polished cabochon, no matrix.",
            "فیروزه آسمانی نیشابور، تراش کابوشن، بدون رگه.",
            6_500_000, 30, "710399", 1, "Turquoise, natural, worked (cabochon), not set",
        ),
        P(
            "TRQ-002", "turquoise-jewellery",
            "Neyshabur turquoise cabochon, 12 ct", "نگین فیروزه نیشابور، ۱۲ قیراط",
            "A large, evenly coloured stone for a man's ring.",
            "نگین درشت و یکدست برای انگشتر مردانه.",
            18_000_000, 15, "710399", 3, "Turquoise, natural, worked (cabochon), not set",
        ),
        P(
            "TRQ-003", "turquoise-jewellery",
            "Rough Neyshabur turquoise, 50 g lot", "فیروزه خام نیشابور، ۵۰ گرم",
            "Uncut pieces from the Neyshabur mine for lapidaries.",
            "قطعات تراش‌نخورده معدن نیشابور، مناسب تراشکاران.",
            9_000_000, 20, "710310", 50, "Turquoise, natural, unworked",
        ),
        P(
            "TRQ-004", "turquoise-jewellery",
            "Men's silver ring with Neyshabur turquoise", "انگشتر نقره مردانه با فیروزه نیشابور",
            "Hand-made 925 silver setting with a 10 ct cabochon.",
            "رکاب نقره ۹۲۵ دست‌ساز با نگین ۱۰ قیراطی.",
            14_500_000, 25, "711311", 12, "Jewellery of silver (ring) set with turquoise",
        ),
        P(
            "TRQ-005", "turquoise-jewellery",
            "Women's silver ring with turquoise", "انگشتر نقره زنانه با فیروزه",
            "A slim 925 silver band with a small oval turquoise.",
            "حلقه ظریف نقره ۹۲۵ با نگین بیضی فیروزه.",
            9_800_000, 30, "711311", 6, "Jewellery of silver (ring) set with turquoise",
        ),
        P(
            "TRQ-006", "turquoise-jewellery",
            "Silver earrings with turquoise", "گوشواره نقره با فیروزه",
            "Drop earrings in 925 silver with a matched pair of turquoises.",
            "گوشواره آویز نقره ۹۲۵ با جفت فیروزه همرنگ.",
            11_200_000, 25, "711311", 8, "Jewellery of silver (earrings) set with turquoise",
        ),
        P(
            "TRQ-007", "turquoise-jewellery",
            "Silver necklace with turquoise pendant", "گردنبند نقره با آویز فیروزه",
            "A 45 cm silver chain with a hand-set turquoise pendant.",
            "زنجیر نقره ۴۵ سانتی‌متری با آویز فیروزه دست‌نشان.",
            16_500_000, 20, "711311", 15, "Jewellery of silver (necklace) set with turquoise",
        ),
        P(
            "TRQ-008", "turquoise-jewellery",
            "Silver bracelet with five turquoises", "دستبند نقره با پنج نگین فیروزه",
            "An engraved silver cuff set with five Neyshabur stones.",
            "دستبند نقره قلم‌زنی‌شده با پنج نگین فیروزه نیشابور.",
            21_000_000, 15, "711311", 25, "Jewellery of silver (bracelet) set with turquoise",
        ),
        P(
            "TRQ-009", "turquoise-jewellery",
            "18k gold ring with turquoise", "انگشتر طلای ۱۸ عیار با فیروزه",
            "18-carat yellow gold with a fine Neyshabur turquoise.",
            "طلای زرد ۱۸ عیار با نگین فیروزه مرغوب نیشابور.",
            92_000_000, 5, "711319", 5, "Jewellery of gold (ring) set with turquoise",
        ),
        P(
            "TRQ-010", "turquoise-jewellery",
            "18k gold earrings with turquoise", "گوشواره طلای ۱۸ عیار با فیروزه",
            "A classic Persian design in 18-carat gold.",
            "طرح کلاسیک ایرانی در طلای ۱۸ عیار.",
            118_000_000, 5, "711319", 6, "Jewellery of gold (earrings) set with turquoise",
        ),
        P(
            "TRQ-011", "turquoise-jewellery",
            "Turquoise prayer beads (tasbih), 33 beads", "تسبیح فیروزه، ۳۳ دانه",
            "Thirty-three hand-drilled turquoise beads on a silk cord.",
            "سی و سه دانه فیروزه سوراخ‌شده با دست، بر نخ ابریشم.",
            28_000_000, 10, "711620", 30, "Articles of semi-precious stones: turquoise prayer beads",
        ),
        P(
            "TRQ-012", "turquoise-jewellery",
            "Silver cufflinks with turquoise", "دکمه سردست نقره با فیروزه",
            "A pair of 925 silver cufflinks with square turquoises.",
            "یک جفت دکمه سردست نقره ۹۲۵ با نگین مربعی فیروزه.",
            12_800_000, 15, "711311", 14, "Jewellery of silver (cufflinks) set with turquoise",
        ),
        P(
            "TRQ-013", "turquoise-jewellery",
            "Turquoise-inlaid copper plate (firouzeh-koubi), 20 cm", "بشقاب مسی فیروزه‌کوبی، ۲۰ سانتی‌متر",
            "A copper plate set with hundreds of turquoise chips by Mashhad's firouzeh-koub masters.",
            "بشقاب مسی با صدها خرده فیروزه، کار استادان فیروزه‌کوب مشهد.",
            24_500_000, 8, "830629", 650, "Ornament of copper inlaid with turquoise chips",
        ),
    ),
    "toos-leather": (
        P(
            "LTH-001", "leather-goods",
            "Women's leather handbag, tan, hand-stitched", "کیف دستی زنانه چرم طبیعی، عسلی، دوخت دست",
            "Vegetable-tanned cowhide, saddle-stitched by hand.",
            "چرم گاوی با دباغی گیاهی، زین‌دوزی‌شده با دست.",
            38_000_000, 12, "420221", 900, "Handbag with outer surface of leather",
        ),
        P(
            "LTH-002", "leather-goods",
            "Leather shoulder bag, brown", "کیف دوشی چرمی، قهوه‌ای",
            "An everyday shoulder bag with an adjustable strap.",
            "کیف دوشی روزمره با بند قابل تنظیم.",
            32_000_000, 12, "420221", 750, "Shoulder bag with outer surface of leather",
        ),
        P(
            "LTH-003", "leather-goods",
            "Men's leather wallet, bifold", "کیف پول مردانه چرمی، دولایه",
            "Eight card slots and a note compartment.",
            "هشت جای کارت و یک جای اسکناس.",
            6_800_000, 40, "420231", 90, "Wallet with outer surface of leather",
        ),
        P(
            "LTH-004", "leather-goods",
            "Leather card holder", "جاکارتی چرمی",
            "A slim holder for four cards.",
            "جاکارتی باریک برای چهار کارت.",
            3_200_000, 60, "420231", 30, "Card holder with outer surface of leather",
        ),
        P(
            "LTH-005", "leather-goods",
            "Leather key pouch", "جاکلیدی چرمی",
            "A snap-closed pouch for six keys.",
            "جاکلیدی دکمه‌دار برای شش کلید.",
            2_400_000, 50, "420231", 25, "Key case with outer surface of leather",
        ),
        P(
            "LTH-006", "leather-goods",
            "Leather belt, 35 mm", "کمربند چرمی، ۳۵ میلی‌متر",
            "A full-grain leather belt with a solid brass buckle.",
            "کمربند چرم تمام‌دانه با سگک برنجی.",
            5_900_000, 40, "420330", 180, "Belt of leather",
        ),
        P(
            "LTH-007", "leather-goods",
            "Leather briefcase", "کیف اداری چرمی",
            "A two-compartment briefcase that fits a 15-inch laptop.",
            "کیف اداری دو جیب، مناسب لپ‌تاپ ۱۵ اینچ.",
            58_000_000, 8, "420211", 1_600, "Briefcase with outer surface of leather",
        ),
        P(
            "LTH-008", "leather-goods",
            "Leather backpack", "کوله‌پشتی چرمی",
            "A roll-top backpack in oiled leather.",
            "کوله‌پشتی چرم روغنی با درب تاشو.",
            46_000_000, 8, "420291", 1_200, "Backpack with outer surface of leather",
        ),
        P(
            "LTH-009", "leather-goods",
            "Men's leather gloves, lined", "دستکش چرمی مردانه، آستردار",
            "Lambskin gloves with a warm wool lining.",
            "دستکش چرم بره با آستر پشمی گرم.",
            7_400_000, 30, "420329", 150, "Gloves of leather, lined, not for sport",
        ),
        P(
            "LTH-010", "leather-goods",
            "Men's lambskin leather jacket", "کاپشن چرم بره مردانه",
            "A soft lambskin jacket cut and sewn in Mashhad.",
            "کاپشن چرم بره نرم، برش و دوخت مشهد.",
            125_000_000, 5, "420310", 1_400, "Jacket of leather (lambskin), men's",
        ),
        P(
            "LTH-011", "leather-goods",
            "Leather notebook cover, A5", "جلد چرمی دفترچه، قطع A5",
            "A refillable notebook cover with a pen loop.",
            "جلد دفترچه با امکان تعویض دفتر و جای خودکار.",
            4_600_000, 30, "420500", 150, "Notebook cover of leather",
        ),
        P(
            "LTH-012", "leather-goods",
            "Leather watch strap, 20 mm", "بند ساعت چرمی، ۲۰ میلی‌متر",
            "A hand-stitched strap with a steel buckle.",
            "بند ساعت دوخت دست با سگک فولادی.",
            2_900_000, 40, "911390", 20, "Watch strap of leather",
        ),
    ),
    "haj-ali-nabat": (
        P(
            "NBT-001", "sweets",
            "Saffron nabat sticks, 400 g box", "نبات چوبی زعفرانی، جعبه ۴۰۰ گرمی",
            "Rock-sugar crystals grown on wooden sticks with Khorasan saffron.",
            "بلورهای نبات رشدکرده روی چوب، با زعفران خراسان.",
            1_250_000, 100, "170490", 400, "Sugar confectionery: rock candy on sticks, flavoured with saffron",
        ),
        P(
            "NBT-002", "sweets",
            "Plain crystal nabat (shakheh), 500 g", "نبات شاخه‌ای ساده، ۵۰۰ گرم",
            "Clear rock-sugar clusters from the traditional crystallising pans.",
            "خوشه‌های نبات شفاف از تشت‌های سنتی تبلور.",
            850_000, 120, "170490", 500, "Sugar confectionery: rock candy",
        ),
        P(
            "NBT-003", "sweets",
            "Saffron crystal nabat, 500 g", "نبات شاخه‌ای زعفرانی، ۵۰۰ گرم",
            "Golden rock-sugar clusters coloured with saffron.",
            "خوشه‌های نبات طلایی‌رنگ با زعفران.",
            1_150_000, 100, "170490", 500, "Sugar confectionery: rock candy, flavoured with saffron",
        ),
        P(
            "NBT-004", "sweets",
            "Saffron nabat drops, 300 g", "نبات دانه‌ای زعفرانی، ۳۰۰ گرم",
            "Small saffron nabat pieces for sweetening tea.",
            "نبات ریز زعفرانی برای شیرین کردن چای.",
            780_000, 120, "170490", 300, "Sugar confectionery: rock candy pieces, flavoured with saffron",
        ),
        P(
            "NBT-005", "sweets",
            "Rosewater nabat, 400 g", "نبات گلابی، ۴۰۰ گرم",
            "Crystal nabat scented with Qamsar rosewater.",
            "نبات بلوری معطر به گلاب قمصر.",
            980_000, 80, "170490", 400, "Sugar confectionery: rock candy, flavoured with rosewater",
        ),
        P(
            "NBT-006", "sweets",
            "Thyme nabat drops, 300 g", "نبات دانه‌ای آویشنی، ۳۰۰ گرم",
            "Nabat with thyme, a Persian home remedy for colds.",
            "نبات آویشنی، داروی خانگی ایرانی برای سرماخوردگی.",
            820_000, 80, "170490", 300, "Sugar confectionery: rock candy pieces, flavoured with thyme",
        ),
        P(
            "NBT-007", "sweets",
            "Saffron lollipops (abnabat), 12 pieces", "آب‌نبات چوبی زعفرانی، ۱۲ عدد",
            "Hard saffron candy on sticks, individually wrapped.",
            "آب‌نبات سفت زعفرانی روی چوب، با بسته‌بندی تکی.",
            650_000, 100, "170490", 240, "Sugar confectionery: hard candy lollipops",
        ),
        P(
            "NBT-008", "sweets",
            "Individually wrapped saffron nabat sticks, 48 pieces", "نبات چوبی زعفرانی تک‌پیچ، ۴۸ عدد",
            "Café-size sticks, each in its own wrapper.",
            "نبات چوبی اندازه کافه، هرکدام در بسته‌بندی جداگانه.",
            1_450_000, 80, "170490", 480, "Sugar confectionery: rock candy on sticks, flavoured with saffron",
        ),
        P(
            "NBT-009", "sweets",
            "Khorasan mountain honey, 1 kg", "عسل کوهستان خراسان، ۱ کیلوگرم",
            "Wildflower honey from the Binalood mountains.",
            "عسل چندگیاه از کوهستان بینالود.",
            3_900_000, 60, "040900", 1_000, "Natural honey",
        ),
        P(
            "NBT-010", "sweets",
            "Saffron hard candy, 250 g", "آب‌نبات زعفرانی، ۲۵۰ گرم",
            "Clear amber candies made with saffron and rosewater.",
            "آب‌نبات شفاف کهربایی با زعفران و گلاب.",
            520_000, 120, "170490", 250, "Sugar confectionery: hard candy, flavoured with saffron",
        ),
        P(
            "NBT-011", "sweets",
            "Noghl, sugar-coated almond slivers, 400 g", "نقل بادامی، ۴۰۰ گرم",
            "Almond slivers coated in sugar, the sweet of Persian weddings.",
            "خلال بادام با روکش شکر، شیرینی جشن‌های ایرانی.",
            1_100_000, 80, "170490", 400, "Sugar confectionery: sugar-coated almonds",
        ),
        P(
            "NBT-012", "sweets",
            "Nabat gift box, 1 kg", "جعبه هدیه نبات، ۱ کیلوگرم",
            "Saffron sticks, rosewater nabat and plain crystal nabat in one box.",
            "نبات چوبی زعفرانی، نبات گلابی و نبات ساده در یک جعبه.",
            2_600_000, 40, "170490", 1_000, "Sugar confectionery: assorted rock candy",
        ),
        P(
            "NBT-013", "sweets",
            "Cardamom nabat drops, 300 g", "نبات دانه‌ای هل، ۳۰۰ گرم",
            "Nabat crystallised with green cardamom.",
            "نبات متبلور با هل سبز.",
            880_000, 80, "170490", 300, "Sugar confectionery: rock candy pieces, flavoured with cardamom",
        ),
    ),
    "qaenat-barberry": (
        P(
            "BRB-001", "barberries",
            "Pofaki barberries, dried, 250 g", "زرشک پفکی، ۲۵۰ گرم",
            "Seedless barberries from Qaen, dried on the branch for a plump finish.",
            "زرشک بی‌دانه قائن، خشک‌شده روی شاخه با ظاهری پف‌کرده.",
            850_000, 150, "081340", 250, "Barberries, dried",
        ),
        P(
            "BRB-002", "barberries",
            "Pofaki barberries, dried, 1 kg", "زرشک پفکی، ۱ کیلوگرم",
            "A kitchen pack of Qaen pofaki barberries.",
            "بسته آشپزخانه زرشک پفکی قائن.",
            3_200_000, 80, "081340", 1_000, "Barberries, dried",
        ),
        P(
            "BRB-003", "barberries",
            "Anari (pomegranate-red) barberries, 500 g", "زرشک اناری، ۵۰۰ گرم",
            "Deep-red barberries that stay bright after cooking.",
            "زرشک سرخ تیره که پس از پخت هم خوش‌رنگ می‌ماند.",
            1_900_000, 100, "081340", 500, "Barberries, dried",
        ),
        P(
            "BRB-004", "barberries",
            "Shade-dried barberries, 500 g", "زرشک سایه‌خشک، ۵۰۰ گرم",
            "Dried slowly in the shade to keep their colour and tartness.",
            "آهسته در سایه خشک‌شده تا رنگ و ترشی‌اش حفظ شود.",
            2_100_000, 80, "081340", 500, "Barberries, dried",
        ),
        P(
            "BRB-005", "barberries",
            "Frozen fresh barberries, 1 kg", "زرشک تازه منجمد، ۱ کیلوگرم",
            "Picked in autumn and frozen the same day.",
            "برداشت پاییزه، منجمدشده در همان روز.",
            1_600_000, 40, "081190", 1_000, "Barberries, uncooked, frozen",
        ),
        P(
            "BRB-006", "barberries",
            "Barberry juice concentrate, 1 L", "کنسانتره آب زرشک، ۱ لیتر",
            "Unsweetened concentrate: one part to five parts water.",
            "کنسانتره بدون شکر؛ یک پیمانه با پنج پیمانه آب.",
            1_150_000, 60, "200989", 1_200, "Barberry juice, concentrated, unfermented, no added spirit",
        ),
        P(
            "BRB-007", "barberries",
            "Barberry jam, 450 g", "مربای زرشک، ۴۵۰ گرم",
            "A tart-sweet jam cooked in copper pans.",
            "مربای ترش و شیرین پخته‌شده در دیگ مسی.",
            780_000, 80, "200799", 450, "Barberry jam",
        ),
        P(
            "BRB-008", "barberries",
            "Barberry fruit leather (lavashak), 300 g", "لواشک زرشک، ۳۰۰ گرم",
            "Sun-dried sheets of barberry paste.",
            "ورقه‌های لواشک زرشک خشک‌شده در آفتاب.",
            520_000, 100, "200799", 300, "Fruit paste (barberry), dried in sheets",
        ),
        P(
            "BRB-009", "barberries",
            "Barberry powder, 200 g", "پودر زرشک، ۲۰۰ گرم",
            "Ground dried barberries for seasoning and sherbet.",
            "زرشک خشک آسیاب‌شده برای چاشنی و شربت.",
            690_000, 80, "110630", 200, "Powder of dried barberries",
        ),
        P(
            "BRB-010", "nuts-dried-fruit",
            "Dried jujubes (annab), 500 g", "عناب خشک، ۵۰۰ گرم",
            "Sweet Birjand jujubes, sun-dried.",
            "عناب شیرین بیرجند، خشک‌شده در آفتاب.",
            1_250_000, 80, "081340", 500, "Jujubes, dried",
        ),
        P(
            "BRB-011", "barberries",
            "Pofaki barberries, dried, 100 g", "زرشک پفکی، ۱۰۰ گرم",
            "A small pouch, enough for a pot or two of zereshk polo.",
            "بسته کوچک، کافی برای یکی دو دیگ زرشک‌پلو.",
            360_000, 200, "081340", 100, "Barberries, dried",
        ),
        P(
            "BRB-012", "barberries",
            "Barberry syrup (sharbat), 700 ml", "شربت زرشک، ۷۰۰ میلی‌لیتر",
            "A ready syrup for a cold summer sherbet.",
            "شربت آماده برای نوشیدنی خنک تابستانی.",
            890_000, 60, "210690", 900, "Flavoured sugar syrup (barberry)",
        ),
    ),
    "shirin-sohan": (
        P(
            "SWT-001", "sweets",
            "Qom pistachio sohan, 450 g tin", "سوهان پسته‌ای قم، قوطی ۴۵۰ گرمی",
            "Brittle of sprouted wheat, butter, saffron and pistachio.",
            "سوهان جوانه گندم، کره، زعفران و پسته.",
            1_650_000, 100, "170490", 450, "Sugar confectionery: sohan brittle with pistachio",
        ),
        P(
            "SWT-002", "sweets",
            "Almond saffron sohan (sohan-e lowzi), 400 g", "سوهان لوزی زعفرانی، ۴۰۰ گرم",
            "Thin diamond-shaped sohan with almond and saffron.",
            "سوهان لوزی نازک با بادام و زعفران.",
            1_450_000, 100, "170490", 400, "Sugar confectionery: sohan brittle with almond",
        ),
        P(
            "SWT-003", "sweets",
            "Honey almond sohan, 400 g", "سوهان عسلی بادامی، ۴۰۰ گرم",
            "A crisp honey brittle topped with almonds.",
            "سوهان ترد عسلی با رویه بادام.",
            1_500_000, 100, "170490", 400, "Sugar confectionery: honey brittle with almond",
        ),
        P(
            "SWT-004", "sweets",
            "Isfahan pistachio gaz (40%), 450 g", "گز پسته‌ای اصفهان (۴۰٪)، ۴۵۰ گرم",
            "Nougat with forty per cent pistachio and angabin.",
            "گز با چهل درصد مغز پسته و انگبین.",
            2_200_000, 80, "170490", 450, "Sugar confectionery: nougat (gaz) with pistachio",
        ),
        P(
            "SWT-005", "sweets",
            "Angabin gaz, 450 g", "گز انگبین، ۴۵۰ گرم",
            "Traditional gaz made with tamarisk manna.",
            "گز سنتی تهیه‌شده با انگبین گز.",
            1_800_000, 60, "170490", 450, "Sugar confectionery: nougat (gaz)",
        ),
        P(
            "SWT-006", "sweets",
            "Fuman walnut koloocheh, 10 pieces", "کلوچه گردویی فومن، ۱۰ عدد",
            "Soft round pastries filled with walnut and cinnamon.",
            "کلوچه نرم و گرد با مغز گردو و دارچین.",
            750_000, 80, "190590", 600, "Bakers' wares: filled pastries (koloocheh)",
        ),
        P(
            "SWT-007", "sweets",
            "Yazd pistachio baklava, 500 g", "باقلوای پسته‌ای یزد، ۵۰۰ گرم",
            "Layered almond and pistachio baklava with rosewater syrup.",
            "باقلوای لایه‌ای بادام و پسته با شربت گلاب.",
            2_100_000, 60, "190590", 500, "Bakers' wares: baklava",
        ),
        P(
            "SWT-008", "sweets",
            "Saffron pashmak (Persian candy floss), 200 g", "پشمک زعفرانی، ۲۰۰ گرم",
            "Fine threads of sugar and sesame with saffron.",
            "رشته‌های ظریف شکر و کنجد با زعفران.",
            480_000, 80, "170490", 200, "Sugar confectionery: pashmak (candy floss)",
        ),
        P(
            "SWT-009", "sweets",
            "Raisin cookies (nan-e keshmeshi), 400 g", "نان کشمشی، ۴۰۰ گرم",
            "Buttery cookies studded with Khorasan raisins.",
            "شیرینی کره‌ای با کشمش خراسان.",
            690_000, 80, "190531", 400, "Sweet biscuits with raisins",
        ),
        P(
            "SWT-010", "sweets",
            "Chickpea cookies (nan-e nokhodchi), 400 g", "نان نخودچی، ۴۰۰ گرم",
            "Clover-shaped chickpea-flour cookies with cardamom.",
            "شیرینی شبدری آرد نخودچی با هل.",
            720_000, 80, "190531", 400, "Sweet biscuits of chickpea flour",
        ),
        P(
            "SWT-011", "sweets",
            "Rice-flour cookies (nan-e berenji), 400 g", "نان برنجی، ۴۰۰ گرم",
            "Melt-in-the-mouth rice-flour cookies with poppy seeds.",
            "شیرینی آرد برنج با خشخاش که در دهان آب می‌شود.",
            760_000, 80, "190531", 400, "Sweet biscuits of rice flour",
        ),
        P(
            "SWT-012", "sweets",
            "Sohan assortment gift box, 900 g", "جعبه هدیه سوهان مخلوط، ۹۰۰ گرم",
            "Pistachio, almond and honey sohan in a gift box.",
            "سوهان پسته‌ای، بادامی و عسلی در جعبه هدیه.",
            3_200_000, 40, "170490", 900, "Sugar confectionery: assorted sohan brittle",
        ),
        P(
            "SWT-013", "sweets",
            "Almond ghotab, 500 g", "قطاب بادامی، ۵۰۰ گرم",
            "Fried pastries filled with ground almond and cardamom, dusted with sugar.",
            "قطاب سرخ‌شده با مغز بادام و هل، با روکش پودر قند.",
            980_000, 60, "190590", 500, "Bakers' wares: almond-filled pastries",
        ),
    ),
    "sadegh-spices": (
        P(
            "SPC-001", "herbs-spices",
            "Turmeric powder, 250 g", "پودر زردچوبه، ۲۵۰ گرم",
            "Bright, freshly milled turmeric.",
            "زردچوبه تازه‌آسیاب با رنگ روشن.",
            420_000, 150, "091030", 250, "Turmeric, ground",
        ),
        P(
            "SPC-002", "herbs-spices",
            "Ground cumin, 100 g", "زیره سبز آسیاب‌شده، ۱۰۰ گرم",
            "Warm, earthy cumin ground in the shop.",
            "زیره سبز آسیاب‌شده در همین عطاری.",
            380_000, 120, "090932", 100, "Cumin seeds, ground",
        ),
        P(
            "SPC-003", "herbs-spices",
            "Kerman cumin seeds, 100 g", "زیره کرمان، ۱۰۰ گرم",
            "Whole green cumin from Kerman.",
            "زیره سبز کامل کرمان.",
            450_000, 120, "090931", 100, "Cumin seeds, whole",
        ),
        P(
            "SPC-004", "herbs-spices",
            "Ground black pepper, 100 g", "فلفل سیاه آسیاب‌شده، ۱۰۰ گرم",
            "Coarse-ground black pepper.",
            "فلفل سیاه درشت‌آسیاب.",
            390_000, 150, "090412", 100, "Black pepper, ground",
        ),
        P(
            "SPC-005", "herbs-spices",
            "Whole black peppercorns, 100 g", "فلفل سیاه دانه، ۱۰۰ گرم",
            "For the pepper mill at the table.",
            "برای آسیاب فلفل سر سفره.",
            360_000, 120, "090411", 100, "Black pepper, whole",
        ),
        P(
            "SPC-006", "herbs-spices",
            "Ground cinnamon, 100 g", "دارچین آسیاب‌شده، ۱۰۰ گرم",
            "Sweet cinnamon for sholeh zard and tea.",
            "دارچین شیرین برای شله‌زرد و چای.",
            310_000, 150, "090620", 100, "Cinnamon, ground",
        ),
        P(
            "SPC-007", "herbs-spices",
            "Cinnamon sticks, 100 g", "چوب دارچین، ۱۰۰ گرم",
            "Rolled cassia bark for stews and tea.",
            "پوست لوله‌ای دارچین برای خورش و چای.",
            350_000, 120, "090619", 100, "Cinnamon (cassia) sticks, whole",
        ),
        P(
            "SPC-008", "herbs-spices",
            "Green cardamom pods, 50 g", "هل سبز، ۵۰ گرم",
            "Large green pods for Persian tea.",
            "هل سبز درشت برای چای ایرانی.",
            1_350_000, 100, "090831", 50, "Cardamoms, whole",
        ),
        P(
            "SPC-009", "herbs-spices",
            "Ground ginger, 100 g", "پودر زنجبیل، ۱۰۰ گرم",
            "Pungent dried ginger powder.",
            "پودر زنجبیل خشک و تند.",
            290_000, 100, "091012", 100, "Ginger, ground",
        ),
        P(
            "SPC-010", "herbs-spices",
            "Ground sumac, 250 g", "سماق آسیاب‌شده، ۲۵۰ گرم",
            "Tangy red sumac for kebabs and rice.",
            "سماق قرمز ترش برای کباب و برنج.",
            520_000, 100, "091099", 250, "Sumac, ground (spice)",
        ),
        P(
            "SPC-011", "herbs-spices",
            "Dried limes (limoo amani), 250 g", "لیمو عمانی، ۲۵۰ گرم",
            "Whole sun-dried limes for ghormeh sabzi and gheimeh.",
            "لیمو عمانی کامل خشک‌شده در آفتاب برای قورمه‌سبزی و قیمه.",
            480_000, 100, "080550", 250, "Limes, dried, whole",
        ),
        P(
            "SPC-012", "herbs-spices",
            "Advieh polo (rice spice mix), 100 g", "ادویه پلویی، ۱۰۰ گرم",
            "Rose petals, cinnamon, cardamom and cumin blended for rice.",
            "گل محمدی، دارچین، هل و زیره، مخلوط‌شده برای پلو.",
            560_000, 100, "091091", 100, "Spice mixture for rice",
        ),
        P(
            "SPC-013", "herbs-spices",
            "Dried ghormeh sabzi herb mix, 200 g", "سبزی قورمه خشک، ۲۰۰ گرم",
            "Dried parsley, leek, coriander and fenugreek for ghormeh sabzi.",
            "جعفری، تره، گشنیز و شنبلیله خشک برای قورمه‌سبزی.",
            590_000, 80, "071290", 200, "Mixture of dried vegetables (herbs), not further prepared",
        ),
    ),
    "toranj-handicrafts": (
        P(
            "HND-001", "handicrafts",
            "Hand-hammered copper tray, 40 cm", "سینی مسی چکشی، ۴۰ سانتی‌متر",
            "A round tray raised and hammered by hand in the Mashhad bazaar.",
            "سینی گرد چکش‌کاری‌شده با دست در بازار مشهد.",
            9_800_000, 15, "741810", 1_800, "Tray of copper, household article",
        ),
        P(
            "HND-002", "handicrafts",
            "Tin-lined copper pot (dizi), 2 L", "دیزی مسی سفیدکاری‌شده، ۲ لیتر",
            "A heavy copper pot, tin-lined for cooking.",
            "دیزی مسی سنگین با سفیدکاری قلع برای پخت‌وپز.",
            12_500_000, 12, "741810", 2_200, "Cooking pot of copper, tin-lined",
        ),
        P(
            "HND-003", "handicrafts",
            "Copper water jug, 1.5 L", "پارچ مسی، ۱٫۵ لیتر",
            "An engraved copper jug for water and sherbet.",
            "پارچ مسی قلم‌زنی‌شده برای آب و شربت.",
            8_400_000, 12, "741810", 1_100, "Jug of copper, household article",
        ),
        P(
            "HND-004", "handicrafts",
            "Copper teapot", "قوری مسی",
            "A tin-lined teapot for brewing on a samovar.",
            "قوری مسی سفیدکاری‌شده برای دم کردن روی سماور.",
            7_600_000, 15, "741810", 900, "Teapot of copper, household article",
        ),
        P(
            "HND-005", "handicrafts",
            "Minakari enamelled copper plate, 25 cm", "بشقاب میناکاری، ۲۵ سانتی‌متر",
            "Hand-painted enamel on copper in turquoise blue.",
            "مینای نقاشی‌شده با دست روی مس در رنگ فیروزه‌ای.",
            16_500_000, 10, "830629", 450, "Ornament of copper, enamelled (decorative plate)",
        ),
        P(
            "HND-006", "handicrafts",
            "Minakari enamelled copper vase, 20 cm", "گلدان میناکاری، ۲۰ سانتی‌متر",
            "A small vase with Isfahan floral enamel work.",
            "گلدان کوچک با نقش گل میناکاری اصفهان.",
            21_000_000, 8, "830629", 600, "Ornament of copper, enamelled (vase)",
        ),
        P(
            "HND-007", "handicrafts",
            "Termeh table runner, 40 × 150 cm", "رومیزی ترمه، ۴۰ در ۱۵۰ سانتی‌متر",
            "Yazd termeh in the boteh jegheh pattern, woven of wool and silk.",
            "ترمه یزد با نقش بته‌جقه، بافته از پشم و ابریشم.",
            14_800_000, 15, "630259", 400, "Table runner of woven wool and silk (termeh), not knitted",
        ),
        P(
            "HND-008", "handicrafts",
            "Termeh cushion cover, 45 × 45 cm", "روکش کوسن ترمه، ۴۵ در ۴۵ سانتی‌متر",
            "A crimson termeh cushion cover with a zip.",
            "روکش کوسن ترمه زرشکی با زیپ.",
            5_600_000, 20, "630499", 200, "Cushion cover of woven wool and silk (termeh), not knitted",
        ),
        P(
            "HND-009", "handicrafts",
            "Termeh tablecloth (sofreh), 100 × 100 cm", "سفره ترمه، ۱۰۰ در ۱۰۰ سانتی‌متر",
            "A square termeh cloth for the Nowruz haft-sin table.",
            "سفره ترمه مربع برای سفره هفت‌سین نوروز.",
            18_500_000, 10, "630259", 600, "Tablecloth of woven wool and silk (termeh), not knitted",
        ),
        P(
            "HND-010", "handicrafts",
            "Mashhad soapstone cooking pot (dizi sangi), 1.5 L", "دیزی سنگی مشهد، ۱٫۵ لیتر",
            "Carved from Khorasan soapstone; it cooks slowly and evenly.",
            "تراشیده از سنگ صابونی خراسان؛ آهسته و یکنواخت می‌پزد.",
            3_900_000, 20, "680299", 2_800, "Cooking pot of worked natural stone (soapstone)",
        ),
        P(
            "HND-011", "handicrafts",
            "Soapstone frying pan (tabeh sangi), 24 cm", "تابه سنگی، ۲۴ سانتی‌متر",
            "A hand-carved stone pan for kuku and eggs.",
            "تابه سنگی تراش دست برای کوکو و نیمرو.",
            3_200_000, 20, "680299", 2_500, "Frying pan of worked natural stone (soapstone)",
        ),
        P(
            "HND-012", "handicrafts",
            "Khatam marquetry jewellery box, 15 cm", "جعبه جواهرات خاتم‌کاری، ۱۵ سانتی‌متر",
            "A micro-mosaic of wood, bone and brass by Shiraz khatam masters.",
            "موزاییک ریز چوب، استخوان و برنج، کار استادان خاتم شیراز.",
            8_600_000, 15, "442090", 400, "Jewellery box of wood, inlaid (khatam marquetry)",
        ),
    ),
    "bahar-rosewater": (
        P(
            "RSW-001", "herbs-spices",
            "Qamsar rosewater, double-distilled, 1 L", "گلاب دوآتشه قمصر، ۱ لیتر",
            "Distilled twice from the Damask roses of Qamsar, Kashan.",
            "دو بار تقطیرشده از گل محمدی قمصر کاشان.",
            980_000, 100, "330190", 1_000, "Rose water (aqueous distillate of essential oil)",
        ),
        P(
            "RSW-002", "herbs-spices",
            "Qamsar rosewater, 500 ml", "گلاب قمصر، ۵۰۰ میلی‌لیتر",
            "For sweets, tea and the table.",
            "برای شیرینی، چای و سر سفره.",
            560_000, 150, "330190", 500, "Rose water (aqueous distillate of essential oil)",
        ),
        P(
            "RSW-003", "herbs-spices",
            "Mint distillate (aragh-e nana), 1 L", "عرق نعناع، ۱ لیتر",
            "Cooling mint water, a traditional digestive.",
            "عرق نعناع خنک، گوارشی سنتی.",
            420_000, 100, "330190", 1_000, "Mint water (aqueous distillate of essential oil)",
        ),
        P(
            "RSW-004", "herbs-spices",
            "Forty-herb distillate (aragh-e chehel giah), 1 L", "عرق چهل‌گیاه، ۱ لیتر",
            "Distilled from forty mountain herbs of Khorasan.",
            "تقطیرشده از چهل گیاه کوهی خراسان.",
            450_000, 80, "330190", 1_000, "Herbal water (aqueous distillate of essential oils)",
        ),
        P(
            "RSW-005", "herbs-spices",
            "Damask rose essential oil, 2 ml", "روغن گل محمدی، ۲ میلی‌لیتر",
            "Pure rose otto; several tonnes of petals go into each litre.",
            "عطر خالص گل محمدی؛ برای هر لیتر چند تن گلبرگ تقطیر می‌شود.",
            12_000_000, 20, "330129", 2, "Essential oil of rose (rose otto)",
        ),
        P(
            "RSW-006", "herbs-spices",
            "Dried Damask rose buds, 100 g", "غنچه گل محمدی خشک، ۱۰۰ گرم",
            "Whole fragrant rose buds for tea and cooking.",
            "غنچه کامل و معطر گل محمدی برای دمنوش و آشپزی.",
            690_000, 100, "121190", 100, "Rose buds, dried",
        ),
        P(
            "RSW-007", "herbs-spices",
            "Dried borage flowers (gol gavzaban), 100 g", "گل گاوزبان خشک، ۱۰۰ گرم",
            "Purple borage flowers for a calming Persian tea.",
            "گل گاوزبان بنفش برای دمنوش آرام‌بخش ایرانی.",
            890_000, 80, "121190", 100, "Borage flowers, dried",
        ),
        P(
            "RSW-008", "herbs-spices",
            "Chamomile flowers, 100 g", "گل بابونه، ۱۰۰ گرم",
            "Whole dried chamomile heads.",
            "سرگل کامل بابونه خشک.",
            380_000, 100, "121190", 100, "Chamomile flowers, dried",
        ),
        P(
            "RSW-009", "herbs-spices",
            "Dried lemon verbena, 100 g", "به‌لیمو خشک، ۱۰۰ گرم",
            "Lemon-scented leaves for an evening tea.",
            "برگ‌های معطر لیمویی برای دمنوش شبانه.",
            420_000, 100, "121190", 100, "Lemon verbena leaves, dried",
        ),
        P(
            "RSW-010", "herbs-spices",
            "Herbal tea blend: borage, rose and lemon verbena, 120 g",
            "دمنوش ترکیبی گل گاوزبان، گل محمدی و به‌لیمو، ۱۲۰ گرم",
            "A ready blend of our own dried herbs.",
            "ترکیبی آماده از گیاهان خشک خودمان.",
            650_000, 80, "121190", 120, "Mixture of dried plants for infusions",
        ),
        P(
            "RSW-011", "herbs-spices",
            "Rose petal jam, 450 g", "مربای گل محمدی، ۴۵۰ گرم",
            "Damask rose petals cooked in a light syrup.",
            "گلبرگ گل محمدی پخته در شربت سبک.",
            820_000, 60, "200899", 450, "Rose petals preserved in sugar syrup (jam)",
        ),
        P(
            "RSW-012", "herbs-spices",
            "Henna powder, 250 g", "پودر حنا، ۲۵۰ گرم",
            "Finely sifted henna from Kerman.",
            "حنای الک‌شده و نرم کرمان.",
            320_000, 100, "140490", 250, "Henna powder (vegetable product)",
        ),
        P(
            "RSW-013", "herbs-spices",
            "Rosewater glycerin soap, 100 g", "صابون گلیسیرینه گلاب، ۱۰۰ گرم",
            "A mild hand-made soap scented with rosewater.",
            "صابون دست‌ساز ملایم با رایحه گلاب.",
            280_000, 120, "340111", 100, "Toilet soap, bar",
        ),
    ),
    "khorasan-dried-fruit": (
        P(
            "DRF-001", "nuts-dried-fruit",
            "Mazafati dates, 1 kg", "خرمای مضافتی، ۱ کیلوگرم",
            "Soft, dark dates from Bam, packed in season.",
            "خرمای نرم و تیره بم، بسته‌بندی‌شده در فصل.",
            1_900_000, 150, "080410", 1_000, "Dates, fresh (soft)",
        ),
        P(
            "DRF-002", "nuts-dried-fruit",
            "Piarom dates, 1 kg", "خرمای پیارم، ۱ کیلوگرم",
            "Premium semi-dry dates from Hajiabad.",
            "خرمای نیمه‌خشک ممتاز حاجی‌آباد.",
            3_600_000, 100, "080410", 1_000, "Dates, dried",
        ),
        P(
            "DRF-003", "nuts-dried-fruit",
            "Zahedi dates, 1 kg", "خرمای زاهدی، ۱ کیلوگرم",
            "Dry golden dates, good for cooking and travel.",
            "خرمای خشک طلایی، مناسب آشپزی و سفر.",
            950_000, 150, "080410", 1_000, "Dates, dried",
        ),
        P(
            "DRF-004", "nuts-dried-fruit",
            "Golden raisins, 1 kg", "کشمش طلایی، ۱ کیلوگرم",
            "Plump golden raisins from Khorasan vineyards.",
            "کشمش طلایی درشت از تاکستان‌های خراسان.",
            1_650_000, 150, "080620", 1_000, "Grapes, dried (raisins)",
        ),
        P(
            "DRF-005", "nuts-dried-fruit",
            "Green Kashmar raisins (keshmesh sabz), 1 kg", "کشمش سبز کاشمر، ۱ کیلوگرم",
            "Long green raisins, shade-dried in Kashmar.",
            "کشمش سبز و کشیده، سایه‌خشک کاشمر.",
            2_200_000, 150, "080620", 1_000, "Grapes, dried (raisins)",
        ),
        P(
            "DRF-006", "nuts-dried-fruit",
            "Black raisins, 1 kg", "کشمش سیاه، ۱ کیلوگرم",
            "Sun-dried black raisins, sweet and chewy.",
            "کشمش سیاه آفتاب‌خشک، شیرین و نرم.",
            1_300_000, 120, "080620", 1_000, "Grapes, dried (raisins)",
        ),
        P(
            "DRF-007", "nuts-dried-fruit",
            "Estahban dried figs, 500 g", "انجیر خشک استهبان، ۵۰۰ گرم",
            "Rain-fed figs from Estahban, dried whole.",
            "انجیر دیم استهبان، کامل خشک‌شده.",
            1_750_000, 100, "080420", 500, "Figs, dried",
        ),
        P(
            "DRF-008", "nuts-dried-fruit",
            "Dried apricots, 500 g", "برگه زردآلو، ۵۰۰ گرم",
            "Halved, sun-dried apricots.",
            "زردآلوی دونیم‌شده و آفتاب‌خشک.",
            1_200_000, 100, "081310", 500, "Apricots, dried",
        ),
        P(
            "DRF-009", "nuts-dried-fruit",
            "Dried white mulberries, 500 g", "توت خشک سفید، ۵۰۰ گرم",
            "Honey-sweet mulberries from Khorasan.",
            "توت سفید شیرین خراسان.",
            980_000, 100, "081340", 500, "Mulberries, dried",
        ),
        P(
            "DRF-010", "nuts-dried-fruit",
            "Prunes (alu bokhara), 500 g", "آلو بخارا، ۵۰۰ گرم",
            "Tart golden prunes for stews.",
            "آلو بخارای ترش برای خورش.",
            760_000, 100, "081320", 500, "Prunes, dried",
        ),
        P(
            "DRF-011", "nuts-dried-fruit",
            "Dried apple slices, 250 g", "چیپس سیب خشک، ۲۵۰ گرم",
            "Thin slices of Mashhad red apples, air-dried.",
            "برش‌های نازک سیب قرمز مشهد، خشک‌شده در هوا.",
            540_000, 100, "081330", 250, "Apples, dried, sliced",
        ),
        P(
            "DRF-012", "nuts-dried-fruit",
            "Dried fruit mix, 1 kg", "مخلوط میوه خشک، ۱ کیلوگرم",
            "Apricots, figs, mulberries and raisins.",
            "برگه زردآلو، انجیر، توت و کشمش.",
            2_400_000, 80, "081350", 1_000, "Mixture of dried fruits",
        ),
        P(
            "DRF-013", "nuts-dried-fruit",
            "Sour plum fruit leather (lavashak), 300 g", "لواشک آلو، ۳۰۰ گرم",
            "Tangy plum paste dried in thin sheets.",
            "لواشک آلوی ترش در ورقه‌های نازک.",
            380_000, 120, "200799", 300, "Fruit paste (plum), dried in sheets",
        ),
    ),
}
# fmt: on


class DemoUser(NamedTuple):
    role: str  # shown in the login table
    email: str  # natural key
    first_name: str
    last_name: str
    group: str | None  # a marketplace.core.roles group
    is_staff: bool
    is_superuser: bool
    merchant: str | None  # DemoMerchant.slug whose partner this user works for
    extra_groups: tuple[str, ...] = ()  # further marketplace.core.roles groups


# fmt: off
USERS: Final[tuple[DemoUser, ...]] = (
    DemoUser(
        "Resident buyer", "resident@demo.mashhad.example", "Maryam", "Hosseini",
        None, False, False, None,
    ),
    DemoUser(
        "Foreign buyer (Herat)", "buyer.herat@demo.mashhad.example", "Ahmad", "Karimi",
        None, False, False, None,
    ),
    # Not is_staff: Oscar's dashboard lets partner users in through partner.dashboard_access.
    DemoUser(
        "Merchant staff (Novin Saffron House)", "staff.novin@demo.mashhad.example", "Reza", "Ahmadi",
        MERCHANT_STAFF, False, False, "novin-saffron",
    ),
    # is_staff so they can sign in to the admin, where their group allows only what it lists.
    DemoUser(
        "Customs officer", "customs@demo.mashhad.example", "Zahra", "Mousavi",
        CUSTOMS_OFFICER, True, False, None,
    ),
    DemoUser(
        "Municipal finance", "finance@demo.mashhad.example", "Ali", "Rezaei",
        MUNICIPAL_FINANCE, True, False, None, (MUNICIPAL_STAFF,),
    ),
    DemoUser(
        "Platform admin", "admin@demo.mashhad.example", "Sara", "Tehrani",
        None, True, True, None,
    ),
)
# fmt: on

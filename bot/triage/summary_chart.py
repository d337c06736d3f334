"""The weekly chart: new incidents per day by kind, stacked bars, PNG, Japanese labels in a real font."""

from __future__ import annotations

import importlib.util
import io
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.clock import WEEKDAYS_EN, WEEKDAYS_JA
from bot.i18n import Catalog
from bot.triage.summary import summary_period
from bot.triage.summary_model import WeeklySummary

# Colour-blind-safe palette (Okabe–Ito), one colour per kind in display order.
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#D55E00", "#0072B2", "#F0E442", "#999999")
FALLBACK_FAMILIES = ("IPAexGothic", "IPAGothic", "Noto Sans CJK JP", "Noto Sans JP", "TakaoGothic",
                     "VL Gothic")


class ChartFontMissing(RuntimeError):
    """No font able to draw Japanese was found."""


@lru_cache(maxsize=1)
def japanese_font_path() -> str:
    """IPAex Gothic from japanize-matplotlib (found without importing it), else a system CJK font."""
    spec = importlib.util.find_spec("japanize_matplotlib")
    # Importing japanize_matplotlib would rewrite matplotlib's global rcParams; we only want its font file.
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "fonts" / "ipaexg.ttf"
        if candidate.is_file():
            return str(candidate)
    from matplotlib import font_manager

    for family in FALLBACK_FAMILIES:
        try:
            wanted = font_manager.FontProperties(family=family)
            return str(font_manager.findfont(wanted, fallback_to_default=False))
        except ValueError:
            continue
    raise ChartFontMissing("no Japanese font found: install japanize-matplotlib or a CJK font "
                           "(e.g. fonts-ipaexfont)")


def day_ticks(summary: WeeklySummary, locale: str) -> list[str]:
    """The x labels, 11/23 over (月), a closed working weekday marked (月・休) so a quiet day reads as one."""
    names = WEEKDAYS_JA if locale == "ja" else WEEKDAYS_EN
    closed = "・休" if locale == "ja" else ", closed"
    days = [date.fromisoformat(d["date"]) for d in summary.current.daily]  # a week, or a month (--month)
    return [f"{day.month}/{day.day}\n({names[day.weekday()]}{closed if day.isoformat() in summary.closed_days else ''})"
            for day in days]


def render_chart(summary: WeeklySummary, catalog: Catalog, *, dpi: int = 110) -> bytes:
    """A PNG of the week's new incidents per day, stacked by kind (counts only, restricted ones included)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator

    font = FontProperties(fname=japanese_font_path())
    locale = catalog.locale
    daily = summary.current.daily
    kinds = [k for k in summary.kinds if any(day["counts"].get(k, 0) for day in daily)]
    ticks = day_ticks(summary, locale)

    figure = Figure(figsize=(8.8 if len(daily) <= 7 else 14.0, 4.0), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(daily)))
    bottoms = [0] * len(daily)
    for index, kind in enumerate(kinds):
        values = [day["counts"].get(kind, 0) for day in daily]
        axes.bar(positions, values, bottom=bottoms, width=0.65, color=PALETTE[index % len(PALETTE)],
                 label=catalog.label("kind", kind), edgecolor="white", linewidth=0.5)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    for x, total in zip(positions, bottoms, strict=True):
        if total:
            axes.annotate(str(total), (x, total), ha="center", va="bottom", fontproperties=font, fontsize=9,
                          xytext=(0, 2), textcoords="offset points")
    axes.set_xticks(positions, ticks)
    axes.set_xlim(-0.6, len(daily) - 0.4)
    axes.set_title(catalog.t("summary.chart.title", week=summary_period(summary, catalog.locale)),
                   fontproperties=font, fontsize=12)
    axes.set_ylabel(catalog.t("summary.chart.ylabel"), fontproperties=font)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max(max(bottoms, default=0), 1) * 1.18)
    _style(axes, font)
    if kinds:
        axes.legend(prop=font, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    else:
        axes.text(0.5, 0.5, catalog.t("summary.chart.empty"), transform=axes.transAxes, ha="center",
                  va="center", fontproperties=font, fontsize=11, color="#555555")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _style(axes: Any, font: Any) -> None:
    for label in axes.get_xticklabels() + axes.get_yticklabels():
        label.set_fontproperties(font)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)

"""The report as one self-contained HTML page (``--format html``, ``-o report.html``).

:func:`to_html` takes the report's plain data (``Report.to_dict()``) and, optionally, the PNG
pictures of ``--plot`` as bytes; it returns one HTML document with everything inside: the
summary, the losses, the metrics with their bootstrap intervals, the slices, the per-class
table, the confusion matrix, the pictures (``data:`` URIs), the warnings and the signature.

The page makes no network request: no script, no external style sheet, font or image; a
Content-Security-Policy ``<meta>`` (``default-src 'none'``, images only from ``data:``, inline
style only) tells the browser to refuse any. Every piece of text from the data (class names,
file and column names, warnings) is HTML-escaped. It is readable on a phone (viewport
``<meta>``, wide tables scroll sideways inside their box) and in dark mode
(``prefers-color-scheme``). Past :data:`MAX_MATRIX_CLASSES` classes the confusion matrix is
shown as its largest off-diagonal cells (true -> predicted, count, share of the true class).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from typing import Any

from losscli.metrics import catalog
from losscli.render.classes import ALL_CLASSES_FLAG, MAX_CLASS_ROWS, class_headers, top_confusions
from losscli.render.text import ci_header, fmt_num, slice_names, slice_value, worst_slices

MAX_MATRIX_CLASSES = MAX_CLASS_ROWS
"""Up to this many classes the confusion matrix is drawn whole; beyond, its top cells (the
per-class table lists every class: the page scrolls and the browser finds a class)."""

TOP_CONFUSIONS = 25
"""How many off-diagonal cells the top-confusions table lists (the terminal lists
:data:`losscli.render.classes.N_CONFUSIONS`; a page has room for more)."""

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
"""The page's Content-Security-Policy: nothing is fetched, no script runs."""

PLOT_TITLES = {
    "confusion_matrix.png": "Confusion matrix",
    "confusion_matrix_normalized.png": "Confusion matrix, row-normalised",
    "roc.png": "ROC curve",
    "pr.png": "Precision-recall curve",
    "reliability.png": "Reliability diagram",
    "probabilities.png": "Predicted probabilities by true class",
    "losses.png": "Per-sample losses",
    "predicted_vs_true.png": "Predicted vs true values",
    "class_iou.png": "Per-class IoU and Dice",
    "worst_samples.png": "The lowest-IoU samples: true and predicted masks, or outcomes per label",
}

_STYLE = """
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e;
  --line: #d1d9e0; --card: #f6f8fa; --warn-bg: #fff8c5; --warn-line: #d4a72c;
  --heat: 37, 99, 235; --miss: 207, 34, 46; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d;
    --card: #151b23; --warn-bg: #3b2e0a; --warn-line: #9e6a03;
    --heat: 56, 139, 253; --miss: 248, 81, 73; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 16px 16px 40px; }
h1 { font-size: 1.45rem; margin: 0.2em 0 0.3em; }
h2 { font-size: 1.1rem; margin: 1.6em 0 0.5em; padding-bottom: 0.25em;
  border-bottom: 1px solid var(--line); }
p, ul { margin: 0.4em 0; }
.muted { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5em, 1fr));
  gap: 8px; margin: 12px 0; padding: 0; }
.card { list-style: none; background: var(--card); border: 1px solid var(--line);
  border-radius: 8px; padding: 6px 10px; overflow-wrap: break-word; }
.card b { display: block; font-size: 1.2rem; font-variant-numeric: tabular-nums; }
.card span { color: var(--muted); font-size: 0.85rem; }
.scroll { overflow-x: auto; width: fit-content; max-width: 100%;
  border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: right;
  white-space: nowrap; }
th { background: var(--card); font-weight: 600; position: sticky; top: 0; }
th:first-child, td:first-child { text-align: left; }
tr:last-child td { border-bottom: 0; }
td.name { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 0.9em; white-space: normal; overflow-wrap: break-word; max-width: 24em; }
td.ci { color: var(--muted); }
table.cm td { min-width: 2.6em; text-align: center; }
.worst { font-weight: 700; }
.warnings { background: var(--warn-bg); border: 1px solid var(--warn-line);
  border-radius: 8px; padding: 8px 12px 8px 28px; }
.warnings li { overflow-wrap: anywhere; }
figure { margin: 0; }
.plots { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr));
  gap: 12px; }
.plots img { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 8px;
  background: #fff; }
figcaption { color: var(--muted); font-size: 0.85rem; margin-top: 2px; }
code.sig { display: block; background: var(--card); border: 1px solid var(--line);
  border-radius: 8px; padding: 8px 12px; font-size: 0.8rem; overflow-wrap: anywhere;
  word-break: break-all; }
dl.inputs { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px;
  margin: 0.4em 0; }
dl.inputs dt { color: var(--muted); }
dl.inputs dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 600px) { body { font-size: 14px; } main { padding: 10px 10px 32px; }
  th, td { padding: 4px 6px; } .card b { font-size: 1.1rem; } }
"""


def _e(value: Any) -> str:  # noqa: ANN401 - any text from the data
    """HTML-escape text (quotes too, so it is safe in attributes)."""
    return html.escape(str(value), quote=True)


def _name(value: Any) -> str:  # noqa: ANN401 - a name from the data
    """An escaped name that may break after its underscores (``f1_<wbr>macro``) on a phone."""
    return _e(value).replace("_", "_<wbr>")


def _num(value: Any, digits: int = 6) -> str:  # noqa: ANN401 - a number or None
    return _e(fmt_num(value, digits))


def _table(header: list[str], rows: list[list[Any]], *, names: int = 1, cls: str = "") -> list[str]:
    """A table in a box that scrolls sideways on a narrow screen.

    ``header`` is plain text (escaped here); each cell of ``rows`` is ready HTML, or a pair
    (HTML, extra ``<td>`` attributes); the first ``names`` columns are names (left-aligned,
    wrapped).
    """
    css = f' class="{cls}"' if cls else ""
    out = [f'<div class="scroll"><table{css}>']
    out.append("<thead><tr>" + "".join(f'<th scope="col">{_e(h)}</th>' for h in header))
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            text, attrs = cell if isinstance(cell, tuple) else (cell, "")
            attrs += ' class="name"' if i < names else ""
            cells.append(f"<td{attrs}>{text}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return out


def _interval(d: dict[str, Any], name: str) -> str:
    intervals = (d.get("ci") or {}).get("intervals", {})
    if name not in intervals:
        return ""
    iv = intervals[name]
    if not iv or iv[0] is None or iv[1] is None:
        return "—"  # undefined on this data
    low, high = iv
    return f"[{_num(low, 4)}, {_num(high, 4)}]"


def _summary(d: dict[str, Any]) -> list[str]:
    counts = [("task", d["task"]), ("scores", d["scores"]), ("samples", d["n_samples"])]
    if d.get("n_ignored"):
        counts += [("evaluated", d["n_evaluated"]), ("ignored (--ignore-index)", d["n_ignored"])]
    if d.get("n_dropped"):
        counts.append(("dropped (--drop-invalid)", d["n_dropped"]))
    if d.get("classes") and d["task"] != "regression":
        counts.append(("classes" if d["task"] != "multilabel" else "labels", len(d["classes"])))
    cards = [(k, fmt_num(v) if not isinstance(v, str) else v) for k, v in counts]
    for name, value in d["losses"].items():
        cards.append((name, fmt_num(value, 4)))
    for name in catalog.headline():
        if name in d["metrics"]:
            cards.append((name, fmt_num(d["metrics"][name], 4)))
    out = ['<ul class="cards">']
    out += [f"<li class='card'><b>{_e(v)}</b><span>{_name(k)}</span></li>" for k, v in cards]
    out.append("</ul>")
    inputs = d.get("inputs") or {}
    rows = [
        (key, value)
        for key, value in (
            ("predictions", inputs.get("predictions")),
            ("labels", inputs.get("labels")),
            ("label column", ", ".join(inputs.get("label_columns") or [])),
            ("prediction columns", _columns(inputs.get("prediction_columns") or [])),
            ("id column", inputs.get("id_column")),
            ("weight column", inputs.get("weight_column")),
        )
        if value
    ]
    if rows:
        out.append('<dl class="inputs">')
        out += [f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows]
        out.append("</dl>")
    if d.get("inference"):
        out.append('<ul class="muted">')
        out += [f"<li>inferred {_e(line)}</li>" for line in d["inference"]]
        out.append("</ul>")
    return out


def _columns(names: list[str], show: int = 12) -> str:
    if len(names) <= show:
        return ", ".join(names)
    return ", ".join(names[:show]) + f", … ({len(names)} columns)"


def _losses(d: dict[str, Any]) -> list[str]:
    if not d["losses"]:
        return []
    ci = [_ci_header(d)] if d.get("ci") else []
    rows = []
    for name, value in d["losses"].items():
        stats = d["loss_stats"].get(name, {})
        row = [_name(name), _num(value)] + [_num(stats.get(k)) for k in ("std", "min", "max")]
        rows.append(row + ([_interval(d, name)] if ci else []))
    return ["<h2>Losses</h2>"] + _table(["loss", "mean", "std", "min", "max", *ci], rows)


def _metrics(d: dict[str, Any]) -> list[str]:
    if not d["metrics"]:
        return []
    ci = [_ci_header(d)] if d.get("ci") else []
    order = [n for n in catalog.TABLE_FIRST if n in d["metrics"]]
    order += [n for n in d["metrics"] if n not in order]
    rows = [[_name(n), _num(d["metrics"][n])] + ([_interval(d, n)] if ci else []) for n in order]
    return ["<h2>Metrics</h2>"] + _table(["metric", "value", *ci], rows)


def _ci_header(d: dict[str, Any]) -> str:
    return f"{d['ci']['level']:.0%} CI"


def _ci_note(d: dict[str, Any]) -> list[str]:
    c = d.get("ci")
    if not c:
        return []
    return [
        f"<p class='muted'>Intervals: {_e(ci_header(d))}, {_e(c.get('method', ''))} over "
        f"{_e(c.get('resampling', ''))} resamples of the rows "
        f"({_e(c.get('evaluation', ''))} evaluation), seed {_e(c.get('seed'))}.</p>"
    ]


def _slices(d: dict[str, Any]) -> list[str]:
    if not d.get("groups"):
        return []
    names = slice_names(d)
    worst = worst_slices(d, names)
    rows = []
    for key, part in d["groups"].items():
        cells = [_e(key), _num(part["n_samples"])]
        for n in names:
            text = _num(slice_value(part, n))
            cells.append(f"<span class='worst'>{text} ▼</span>" if worst.get(n) == key else text)
        rows.append(cells)
    rows.append(["<b>all</b>", _num(d["n_samples"])] + [_num(slice_value(d, n)) for n in names])
    return [
        f"<h2>Slices by <code>{_e(d['group_by'])}</code></h2>",
        "<p class='muted'>▼ marks the worst slice of each column.</p>",
    ] + _table([d["group_by"], "n", *names], rows)


def _per_output(d: dict[str, Any]) -> list[str]:
    rows_in = d.get("per_output") or []
    if not rows_in:
        return []
    keys = [k for k in rows_in[0] if k != "output"]
    rows = [[_e(r.get("output"))] + [_num(r.get(k), 4) for k in keys] for r in rows_in]
    return ["<h2>Per output</h2>"] + _table(["output", *keys], rows)


def _per_class(d: dict[str, Any]) -> list[str]:
    if not d["per_class"]:
        return []
    keys = [k for k in d["per_class"][0] if k != "class"]
    first = "output" if d["task"] == "regression" else "class"
    rows = [[_e(r.get("class"))] + [_num(r.get(k), 4) for k in keys] for r in d["per_class"]]
    title = "Per output" if d["task"] == "regression" else "Per class"
    return [f"<h2>{title}</h2>"] + _table([first, *class_headers(d, keys)], rows)


def _heat_style(count: float, row_total: float, diagonal: bool) -> str:
    share = count / row_total if row_total else 0.0
    if share <= 0:
        return ""
    alpha = round(0.12 + 0.78 * share, 3)
    var = "--heat" if diagonal else "--miss"
    strong = " color: #fff;" if alpha > 0.55 else ""
    return f' style="background: rgba(var({var}), {alpha});{strong}"'


def _confusion(d: dict[str, Any], all_classes: bool) -> list[str]:
    cm = d.get("confusion_matrix")
    classes = d.get("classes") or []
    if not cm or d["task"] == "regression":
        return []
    if d["task"] == "multilabel":
        rows = []
        for name, mat in zip(classes, cm):
            (tn, fp), (fn, tp) = mat
            rows.append([_e(name)] + [_num(v) for v in (tp, fp, fn, tn)])
        return ["<h2>Confusion per label</h2>"] + _table(["label", "tp", "fp", "fn", "tn"], rows)
    totals = [sum(row) for row in cm]
    if len(classes) > MAX_MATRIX_CLASSES and not all_classes:
        return _top_confusions(cm, classes)
    rows = []
    for i, row in enumerate(cm):
        cells: list[Any] = [f"<b>{_e(classes[i])}</b>"]
        cells += [(_num(v), _heat_style(v, totals[i], i == j)) for j, v in enumerate(row)]
        rows.append(cells)
    return [
        "<h2>Confusion matrix</h2>",
        "<p class='muted'>Rows are the true class, columns the predicted one; the shade is "
        "the share of the row (blue: correct, red: confused).</p>",
    ] + _table(["true \\ pred", *classes], rows, cls="cm")


def _top_confusions(cm: list[list[float]], classes: list[str]) -> list[str]:
    top = top_confusions(classes, cm, n=TOP_CONFUSIONS)
    rows = [
        [_e(true), _e(pred), _num(count), _num(share, 3)] for true, pred, count, share in top.cells
    ]
    note = (
        f"{len(classes)} classes: {top.note(all_classes=False)} (the whole matrix: "
        f"{ALL_CLASSES_FLAG}, or confusion_matrix in the JSON report)."
    )
    return ["<h2>Top confusions</h2>", f"<p class='muted'>{_e(note)}</p>"] + _table(
        ["true", "predicted", "count", "share of true"], rows, names=2
    )


def _plots(images: Mapping[str, bytes]) -> list[str]:
    if not images:
        return []
    out = ["<h2>Pictures</h2>", '<div class="plots">']
    for name, data in images.items():
        title = PLOT_TITLES.get(name, name)
        uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        out.append(
            f'<figure><img src="{uri}" alt="{_e(title)}" loading="lazy">'
            f"<figcaption>{_e(title)} ({_e(name)})</figcaption></figure>"
        )
    out.append("</div>")
    return out


def _warnings(d: dict[str, Any]) -> list[str]:
    if not d["warnings"]:
        return []
    items = "".join(f"<li>{_e(w)}</li>" for w in d["warnings"])
    return [f"<h2>Warnings ({len(d['warnings'])})</h2>", f'<ul class="warnings">{items}</ul>']


def to_html(
    d: dict[str, Any], *, images: Mapping[str, bytes] | None = None, all_classes: bool = False
) -> str:
    """The report as one self-contained HTML document.

    Args:
        d: the report's JSON form (``Report.to_dict()``).
        images: ``--plot`` pictures, file name -> PNG bytes (inlined as ``data:`` URIs),
            in the order to show them.
        all_classes: ``--all-classes``: the whole confusion matrix whatever the classes.

    Returns:
        The HTML text (UTF-8, ends with a newline).

    >>> d = {"task": "binary", "scores": "probs", "n_samples": 2, "n_evaluated": 2,
    ...      "n_ignored": 0, "n_dropped": 0, "classes": ["<b>", "1"], "losses": {"bce": 0.1},
    ...      "loss_stats": {}, "metrics": {"f1": 0.5}, "per_class": [], "warnings": [],
    ...      "confusion_matrix": [[1, 0], [0, 1]], "signature": "task=binary"}
    >>> page = to_html(d)
    >>> "&lt;b&gt;" in page and "<b><b>" not in page, "://" in page
    (True, False)
    """
    source = (d.get("inputs") or {}).get("predictions")
    title = "losscli report" + (f" · {source}" if source else "")
    body: list[str] = [
        "<h1>losscli report</h1>",
        f"<p class='muted'>{_e(d['task'])} · scores {_e(d['scores'])} · "
        f"{_e(fmt_num(d['n_samples']))} samples</p>",
    ]
    body += _summary(d)
    body += _ci_note(d)
    body += _warnings(d)
    body += _losses(d)
    body += _metrics(d)
    body += _slices(d)
    body += _per_class(d)
    body += _per_output(d)
    body += _confusion(d, all_classes)
    body += _plots(images or {})
    body += ["<h2>Signature</h2>", f'<code class="sig">{_e(d["signature"])}</code>']
    version = d.get("version")
    if version:
        body.append(f"<p class='muted'>losscli {_e(version)}</p>")
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{_e(title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body><main>",
    ]
    return "\n".join(head + body + ["</main></body>", "</html>"]) + "\n"

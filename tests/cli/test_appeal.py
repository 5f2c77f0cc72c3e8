"""``feedback-nlp appeal``: a small known shop, every negative order in the pack, offline HTML, exit codes."""

import csv
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

import feedback_nlp
from feedback_nlp.cli import ExitCode, app
from feedback_nlp.errors import InvalidInputError
from feedback_nlp.scoring.appeal import build_appeal, write_appeal
from feedback_nlp.scoring.score import score
from feedback_nlp.scoring.whatif import whatif

from tests.scoring.helpers import fb, make_data, policy

AS_OF = "2024-03-31"
NEGATIVE = {"o0", "o2", "o3", "o5"}  # shop A's orders with a tagged first feedback


def _orders():
    return ([dict(order_id=f"o{i}", shop_id="A", paid_at="2024-03-10 10:00:00") for i in range(6)]
            + [dict(order_id=f"b{i}", shop_id="B", paid_at="2024-03-10 10:00:00") for i in range(3)])


def _feedback():
    return [
        fb("f0", "o0", "A", "review", "2024-03-11 10:00:00", tags="quality", text="质量太差了，用了两天就坏了"),
        fb("f1", "o1", "A", "review", "2024-03-11 10:00:00", text="面料舒服，颜色也正，好评"),
        fb("f2", "o2", "A", "after_sales", "2024-03-12 10:00:00", tags="size", text="尺码偏小了一码"),
        fb("f3", "o3", "A", "review", "2024-03-12 10:00:00", tags="logistics", text="物流不慢，第二天就到了"),
        fb("f5", "o5", "A", "complaint", "2024-03-13 10:00:00", tags="service;after_sales",
           text="客服态度很差，退款一直不处理😡"),
        fb("f5b", "o5", "A", "review", "2024-03-14 10:00:00", tags="damage", text="包装破损，瓶子都漏了"),
        fb("g0", "b0", "B", "review", "2024-03-11 10:00:00", tags="taste", text="太甜了，有点腻"),
    ]


@pytest.fixture
def data(tmp_path):
    return make_data(tmp_path, _orders(), _feedback())


@pytest.fixture
def pack(data, tiny_model_dir):
    return build_appeal(data, "A", AS_OF, policy(), model=str(tiny_model_dir), compare_with=str(tiny_model_dir))


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.external, self.text = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "link", "img", "iframe") or any(str(v).startswith(("http:", "https:", "//"))
                                                               for v in a.values() if v):
            self.external.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_every_negative_order_and_only_those(pack):
    assert {r.order_id for r in pack.rows} == NEGATIVE
    assert {r.feedback_id for r in pack.rows} == {"f0", "f2", "f3", "f5", "f5b"}
    assert (pack.ccr_orders, pack.ccr_neg_orders) == (6, 4) and pack.ccr == pytest.approx(4 / 6)
    f5 = next(r for r in pack.rows if r.feedback_id == "f5")
    assert f5.tags == ["after_sales", "service"] and f5.channel == "complaint"
    assert set(f5.probabilities) == set(f5.margins) == {"after_sales", "service"}
    assert all(r.second_agrees is not None for r in pack.rows)  # the same model: it agrees on its own tags or not
    assert pack.tag_source == "given"


def test_doubtful_orders_first_and_what_if(pack, data):
    o3 = [r for r in pack.rows if r.order_id == "o3"]
    assert "trap:negated_complaint_word" in o3[0].doubt and o3[0].order_doubtful
    flags = [r.order_doubtful for r in pack.rows]
    assert flags == sorted(flags, reverse=True)  # doubtful orders come first
    n_doubtful = len({r.order_id for r in pack.rows if r.order_doubtful})
    assert pack.doubtful_orders == n_doubtful
    assert pack.ccr_without_doubtful == pytest.approx((4 - n_doubtful) / 6)
    keyword = whatif(data, AS_OF, policy())
    assert pack.ccr_keyword == pytest.approx(keyword.loc[keyword["shop_id"] == "A", "ccr_b"].iloc[0])


def test_files_offline_html_and_csv(pack, tmp_path):
    paths = write_appeal(pack, tmp_path / "appeal")
    page = paths["html"].read_text(encoding="utf-8")
    parser = _Page()
    parser.feed(page)
    assert parser.external == []
    text = "".join(parser.text)
    for order in NEGATIVE:
        assert order in text
    assert "o1" not in text and "66.67%" in text and "物流不慢" in text
    with open(paths["csv"], encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["order_id"] for r in rows} == NEGATIVE and len(rows) == len(pack.rows)
    assert paths["json"].is_file()


def test_model_tags_match_score(tmp_path, tiny_model_dir):
    feedback = [{k: v for k, v in f.items() if k != "tags"} for f in _feedback()]
    d = make_data(tmp_path, _orders(), feedback, tags_column=False)
    tagger = feedback_nlp.load_tagger(str(tiny_model_dir))
    scored = score(d, AS_OF, policy(), tagger=tagger, reports=False).shop("A")
    pack = build_appeal(d, "A", AS_OF, policy(), model=str(tiny_model_dir), compare_with=None)
    assert pack.tag_source == "tagger"
    assert (pack.ccr_neg_orders, pack.ccr) == (scored["ccr_neg_orders"], pytest.approx(scored["ccr"]))
    assert all(r.second_agrees is None for r in pack.rows) and "switched off" in pack.second_note


def test_unknown_shop(data, tiny_model_dir):
    with pytest.raises(InvalidInputError, match="shop 'Z'.*A, B"):
        build_appeal(data, "Z", AS_OF, policy(), model=str(tiny_model_dir), compare_with=None)


def test_cli(data, tiny_model_dir, tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["appeal", "--data", str(data), "--shop", "A", "--as-of", AS_OF, "--out", str(out),
                                 "--model", str(tiny_model_dir)])
    assert r.exit_code == 0, r.output
    assert "shop A: CCR" in r.output and (out / "appeal_A.html").is_file() and (out / "appeal_A.csv").is_file()
    if "accurate" not in feedback_nlp.available_models():
        assert "'accurate' is not shipped" in r.output
    r = CliRunner().invoke(app, ["appeal", "--data", str(data), "--shop", "Z", "--as-of", AS_OF, "--out", str(out),
                                 "--model", str(tiny_model_dir)])
    assert r.exit_code == ExitCode.USAGE and "shop 'Z'" in r.output
    r = CliRunner().invoke(app, ["appeal", "--data", str(data), "--shop", "A", "--as-of", "31/03/2024",
                                 "--out", str(out), "--model", str(tiny_model_dir)])
    assert r.exit_code == ExitCode.USAGE


def _chromium():
    return next((c for c in ("chromium", "chromium-browser", "google-chrome", "headless_shell") if shutil.which(c)), None)


@pytest.mark.slow
def test_appeal_page_renders_in_headless_chromium_with_cjk_fonts(pack, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no chromium on PATH (apt-get install -y chromium fonts-noto-cjk)")
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    if "CJK" not in fonts and "Noto Sans SC" not in fonts:
        pytest.skip("no CJK font installed (apt-get install -y fonts-noto-cjk)")
    page = write_appeal(pack, tmp_path)["html"]
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run([browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    for order in NEGATIVE:
        assert f">{order}<" in dom.stdout
    shot = tmp_path / "page.png"
    subprocess.run([browser, *flags, "--window-size=1280,1000", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000

"""The capstone's checks (autograder/notebook/) on their own: errors compared with torch's, torch's
own samples never skipped by the grader (the speed bonus: tests/test_speed_bonus.py)."""
import numpy as np
import pytest
import torch

from autograder import notebook as check
from autograder.notebook import cases as cases_module
from autograder.notebook import hints as hints_module
from autograder.notebook import lengths as lengths_module
from autograder.notebook import samples, value_hints
from tests.notebooks import solution_answers

pytestmark = pytest.mark.fast        # make test-fast (pytest.ini)


def answer_class(assignment):
    """The solution's Conv1d of a notebook (06: plain loops; 07: one matrix product)."""
    namespace = {}
    exec(solution_answers(assignment)["conv1d_answer"], namespace)
    return namespace["Conv1d"]


def test_an_error_case_torch_accepts_is_a_bug_in_the_checks_not_the_students():
    with pytest.raises(RuntimeError, match="check bug"):
        check.check_errors(answer_class("07_capstone"), [check.error_case(2, 2, 3, x=(1, 2, 5))])


def test_errors_need_torchs_type_stage_and_words():
    Good = answer_class("07_capstone")

    class WrongType(Good):            # a RuntimeError of forward raised as ValueError
        def forward(self, x):
            try:
                return super().forward(x)
            except RuntimeError as e:
                raise ValueError(str(e))

    class Vague(Good):
        def __init__(self, *args, **kwargs):
            try:
                super().__init__(*args, **kwargs)
            except ValueError:
                raise ValueError("bad argument")

    class Late(Good):                 # 'same' with a stride noticed only in forward
        def __init__(self, *args, **kwargs):
            kwargs.pop("stride", None)
            super().__init__(*args, **kwargs)

    too_short = check.error_case(2, 2, 5, x=(1, 2, 3), says=["kernel", "input"])
    groups = check.error_case(4, 6, 3, groups=3, says=["in_channels", "groups"])
    same = check.error_case(2, 2, 3, stride=2, padding="same", says=["same", "stride"])
    check.check_errors(Good, [too_short, groups, same])
    with pytest.raises(check.CheckFailed, match="torch raises RuntimeError"):
        check.check_errors(WrongType, [too_short])
    with pytest.raises(check.CheckFailed, match="mention in_channels and groups"):
        check.check_errors(Vague, [groups])
    with pytest.raises(check.CheckFailed, match="when the layer is built; yours raised nothing"):
        check.check_errors(Late, [same])


def test_the_grader_never_skips_torchs_samples(monkeypatch, capsys):
    monkeypatch.setattr(samples, "torch_sample_cases", lambda dtype="float64": None)
    check.check_torch_samples(answer_class("07_capstone"))
    assert "skipped here, the grader runs them" in capsys.readouterr().out
    monkeypatch.setattr(samples, "_GRADER", [True])
    with pytest.raises(RuntimeError, match="expecttest"):
        check.check_torch_samples(answer_class("07_capstone"))


def test_torchs_samples_cover_unbatched_inputs_tuples_and_same():
    cases = check.torch_sample_cases()
    assert cases and any(c.get("unbatched") for c in cases)
    assert any(isinstance(c["conv"].get("stride"), tuple) for c in cases)
    assert any(c["conv"].get("padding") == "same" for c in cases)


@pytest.mark.parametrize("params", [[], ["stride"], ["stride", "padding"], ["padding", "same"],
                                    ["stride", "padding", "same", "padding_mode", "dilation", "groups", "bias"],
                                    ["stride", "padding", "same", "dilation", "groups", "bias", "padding_mode",
                                     "tuples", "unbatched"]])
def test_random_cases_hold_every_kind_of_case_whatever_the_grading_secret(params):
    """A hidden test's verdict on a mistake cannot depend on the instructor's secret: every random set
    includes a case of each kind where a classic mistake shows, for any secret."""
    kinds = cases_module._kinds(params)
    assert len(kinds) >= 2 + len(set(params) & {"stride", "dilation", "groups", "tuples", "unbatched"})
    for secret in ["", *(f"secret {i}" for i in range(25))]:
        check.set_grading_secret(secret)
        cases = check.random_cases(params, 15, seed=5)
        assert len(cases) >= 15 and all(cases_module._is_valid(c) for c in cases)
        missing = [i for i, kind in enumerate(kinds) if not any(kind(c) for c in cases)]
        assert not missing, (secret, missing)


def _signature_class(params):
    exec(f"class Conv1d:\n    def __init__(self, {params}):\n        pass\n", ns := {})
    return ns["Conv1d"]


@pytest.mark.parametrize("params", [
    "in_channels, out_channels, kernel_size",
    "in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, "
    "padding_mode='zeros', device=None, dtype=None",                                  # torch's whole signature
    "in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True",
    "in_channels, out_channels, kernel_size, *, padding_mode='zeros'",
])
def test_torchs_own_signature_is_never_wrong(params, capsys):
    check.check_signature(_signature_class(params), ["in_channels", "out_channels", "kernel_size"])
    assert "✓ signature" in capsys.readouterr().out


@pytest.mark.parametrize("params, says", [
    ("in_channels, kernel_size, out_channels", "in this order"),
    ("in_channels, out_channels, kernel_size, stride=2", "default of `stride` should be 1"),
    ("in_channels, out_channels, kernel_size, verbose=False", "in this order"),
    ("in_channels, out_channels, kernel_size, padding=0, stride=1", "in this order"),
    ("in_channels, out_channels", "in this order"),
])
def test_a_signature_unlike_torchs_fails(params, says):
    with pytest.raises(check.CheckFailed, match=says):
        check.check_signature(_signature_class(params), ["in_channels", "out_channels", "kernel_size"])


@pytest.mark.parametrize("layout", list(check.LAYOUTS))
def test_layouts_are_views_with_the_same_values(layout):
    x = np.arange(24.0).reshape(2, 3, 4)
    v = check.as_layout(x, layout)
    assert np.array_equal(v, x) and not v.flags.c_contiguous


@pytest.mark.parametrize("got, want", [(72.0, 72), (np.int64(72), 72), (np.float32(72), 72), ([9, 2, 4], (9, 2, 4)),
                                       (np.array([9, 2, 4]), (9, 2, 4)), ((np.int64(9), 2, 4.0), (9, 2, 4)),
                                       (torch.Size([9, 2, 4]), (9, 2, 4)), ((9, 2, 4), (9, 2, 4)), (72, 72)])
def test_a_right_prediction_counts_whatever_its_numeric_type(got, want, capsys):
    check.check_answer("predicted", got, want)
    out = capsys.readouterr().out
    assert out.startswith(f"✓ predicted = {want!r}")
    assert ("torch gives" in out) == (type(got) is not type(want)), out


@pytest.mark.parametrize("got, want", [(72.5, 72), (71, 72), (True, 1), ("72", 72), ([9, 2], (9, 2, 4)),
                                       (np.array([9.5, 2, 4]), (9, 2, 4)), ((9, 2, 5), (9, 2, 4)), (None, 72),
                                       (np.array([[9, 2, 4]]), (9, 2, 4)), ([True, 2, 4], (1, 2, 4))])
def test_a_wrong_prediction_fails_whatever_its_type(got, want):
    with pytest.raises(check.CheckFailed, match="not what torch gives"):
        check.check_answer("predicted", got, want)


def test_a_value_failure_shows_the_row_that_holds_the_largest_difference():
    """Rows [0, 0] are often right when the mistake is elsewhere: the message shows the row with the
    largest difference, with its index."""
    from numpy.lib.stride_tricks import sliding_window_view

    class OneWrongRow:
        def __init__(self, in_channels, out_channels, kernel_size, **kw):
            self.weight = np.zeros((out_channels, in_channels, kernel_size))
            self.bias = None

        def __call__(self, x):
            y = np.einsum("nclk,ock->nol", sliding_window_view(x, self.weight.shape[-1], axis=2), self.weight)
            y[1, 2, 3] += 1.0
            return y
    with pytest.raises(check.CheckFailed) as e:
        check.check_values(OneWrongRow, [check.case(N=2, C_in=2, L=7, C_out=3, K=3)])
    msg = str(e.value)
    assert "at output index (1, 2, 3)" in msg and "expected[1, 2] = " in msg and "got[1, 2]" in msg, msg
    assert "[0, 0]" not in msg, msg


# ----------------------------------------------------------------------------- the hints that name a mistake
def _student(pad, loops=False, init_fan_in=None):
    """A notebook-03-style Conv1d whose padding step is `pad(x, p, mode)`; loops=True reads the padded
    array by index (x_p[n, c, ...]) as a loop answer does, else with one einsum over all windows."""
    from numpy.lib.stride_tricks import sliding_window_view

    class Conv1d:
        def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, padding_mode="zeros"):
            self.K, self.s, self.p, self.mode = kernel_size, stride, padding, padding_mode
            self.weight = np.zeros((out_channels, in_channels, kernel_size))
            self.bias = None

        def forward(self, x):
            xp = pad(x, self.p, self.mode)
            N, C_in, L = x.shape
            L_out = (L + 2 * self.p - self.K) // self.s + 1
            if loops:
                return np.array([[[np.sum(xp[n, :C_in, t * self.s:t * self.s + self.K] * w) for t in range(L_out)]
                                  for w in self.weight] for n in range(N)])
            windows = sliding_window_view(xp, self.K, axis=2)[:, :, ::self.s]
            return np.einsum("nctk,ock->not", windows, self.weight)

        def __call__(self, x):
            return self.forward(x)
    return Conv1d


def _hint(f):
    with pytest.raises(check.CheckFailed) as e:
        f()
    message = str(e.value)
    assert "Hint:" in message, message
    return message.split("Hint:", 1)[1]


PADDED = check.case(N=2, C_in=2, L=8, C_out=2, K=3, seed=1, padding=2)


@pytest.mark.parametrize("mistake, run, says", [
    ("np.pad symmetric for reflect",
     lambda: check.check_values(_student(lambda x, p, m: np.pad(x, ((0, 0), (0, 0), (p, p)), mode="symmetric")),
                                [dict(PADDED, conv=dict(padding=2, padding_mode="reflect"))]), "mode='symmetric'"),
    ("np.pad(x, p), read by index", lambda: check.check_values(_student(lambda x, p, m: np.pad(x, p), loops=True),
                                                               [PADDED]), "pads every axis"),
    ("np.pad(x, (p, p)), one einsum", lambda: check.check_values(_student(lambda x, p, m: np.pad(x, (p, p))),
                                                                [PADDED]), "pads every axis"),
    ("np.pad(x, (p, p)), shape", lambda: check.check_output_shape(_student(lambda x, p, m: np.pad(x, (p, p))),
                                                                 [dict(PADDED, N=3)]), "pads every axis"),
])
def test_a_padding_mistake_is_named(mistake, run, says):
    assert says in _hint(run), mistake


def test_an_output_length_from_slash_points_at_floor_division():
    def from_slash(L_in, kernel_size, stride=1, padding=0, dilation=1):
        return (L_in - kernel_size) / stride + 1
    assert "`//`" in _hint(lambda: check.check_output_length(from_slash, [dict(L_in=5, kernel_size=3, stride=2)]))
    assert "`//`" in _hint(lambda: check.check_output_length(from_slash, [dict(L_in=6, kernel_size=3, stride=2)]))


def _init_class(draw):
    class Conv1d:
        def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                     bias=True, padding_mode="zeros"):
            self.weight = draw(in_channels, groups, kernel_size, (out_channels, in_channels // groups, kernel_size))
            self.bias = draw(in_channels, groups, kernel_size, (out_channels,)) if bias else None
    return Conv1d


def _uniform(bound):
    return lambda C_in, G, K, shape: np.random.default_rng(0).uniform(-1, 1, shape) * bound(C_in, G, K)


@pytest.mark.parametrize("draw, says", [
    (_uniform(lambda C_in, G, K: 1 / np.sqrt(C_in * K)), "ignores groups"),
    (_uniform(lambda C_in, G, K: 1 / np.sqrt(C_in // G)), "leaves out the kernel"),
    (_uniform(lambda C_in, G, K: 1 / (C_in // G * K)), "not 1/fan_in"),
    (_uniform(lambda C_in, G, K: np.sqrt(6 / (C_in // G * K))), "a = 0"),
    (lambda C_in, G, K, shape: np.random.default_rng(0).random(shape), "np.random.rand"),
])
def test_a_default_init_mistake_is_named(draw, says):
    assert says in _hint(lambda: check.check_default_init(_init_class(draw), C_in=64, C_out=64, K=5, groups=4))


def test_the_right_default_init_passes_with_groups(capsys):
    check.check_default_init(_init_class(_uniform(lambda C_in, G, K: 1 / np.sqrt(C_in // G * K))),
                             C_in=64, C_out=64, K=5, groups=4)
    assert "fan_in = 80" in capsys.readouterr().out


@pytest.mark.parametrize("case, says", [
    (check.case(C_in=2, C_out=3, K=5, padding="same", bias=True, tuples=True), "1-tuple"),
    (check.case(C_in=2, C_out=3, K=3, stride=2, tuples=True), "1-tuple"),
    (check.case(C_in=2, C_out=3, K=3, padding="same"), "'same' or 'valid'"),
])
def test_a_constructor_that_raises_fails_the_check_with_a_hint_not_a_traceback(case, says):
    class IntsOnly:                   # kernel_size=(5,) and padding='same' break its arithmetic
        def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                     bias=True, padding_mode="zeros"):
            self.span = dilation * (kernel_size - 1) + 1 + 2 * padding + stride - 1
            self.weight = np.zeros((out_channels, in_channels // groups, kernel_size))
            self.bias = None

    for run in (check.check_weight_shape, check.check_output_shape, check.check_values):
        hint = _hint(lambda: run(IntsOnly, [case]))
        assert says in hint, (run.__name__, hint)
    with pytest.raises(check.CheckFailed) as e:
        check.check_weight_shape(IntsOnly, [case])
    assert "on x of shape" not in str(e.value), "a weight-shape check uses no input and names none"


@pytest.mark.parametrize("assignment, conv, banned", [
    ("02_stride", dict(stride=2), ("padd", "span", "dilation")),
    ("01_channels_kernel", dict(), ("padd", "span", "stride", "dilation")),
])
def test_shape_hints_use_only_the_parameters_met_so_far(assignment, conv, banned):
    """A notebook's hints speak of what it has taught: no padding or span in 01 and 02."""
    c = check.case(N=1, C_in=1, L=10, C_out=1, K=3, **conv)
    hints = [h for h, _ in lengths_module._length_mistakes(c).values()]
    for off in (-1, 1):         # off by one either way is named, on a length function that makes that mistake
        def fn(L_in, kernel_size, stride=1, padding=0, dilation=1):
            return (L_in - kernel_size) // stride + 1 + off
        hints.append(_hint(lambda: check.check_output_length(fn, [dict(L_in=10, kernel_size=3, **conv)])))
    for hint in hints:
        assert not any(word in hint.lower() for word in banned), hint


@pytest.mark.parametrize("shape_of, case, says", [
    (lambda C_in, C_out, K, G: (C_out, C_in, K), check.case(C_in=4, C_out=6, K=3, groups=2), "C_in // groups"),
    (lambda C_in, C_out, K, G: (C_in // G, C_out, K), check.case(C_in=2, C_out=3, K=3), "out_channels first"),
])
def test_a_weight_of_the_wrong_shape_is_named(shape_of, case, says):
    class Wrong:
        def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                     bias=True, padding_mode="zeros"):
            self.weight = np.zeros(shape_of(in_channels, out_channels, kernel_size, groups))
            self.bias = None
    assert says in _hint(lambda: check.check_weight_shape(Wrong, [case]))


def test_groups_ignored_with_a_depthwise_weight_that_broadcasts_is_named():
    from numpy.lib.stride_tricks import sliding_window_view

    class NoGroups:                   # one einsum over all of x: a (C_out, 1, K) weight broadcasts over C_in
        def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                     padding_mode="zeros"):
            self.weight = np.zeros((out_channels, in_channels // groups, kernel_size))
            self.bias = None

        def __call__(self, x):
            windows = sliding_window_view(x, self.weight.shape[-1], axis=2)        # (N, C_in, L_out, K)
            return np.einsum("nclk,ock->nol", windows, np.broadcast_to(self.weight, (
                self.weight.shape[0], x.shape[1], self.weight.shape[2])))
    assert "C_in // groups" in _hint(lambda: check.check_values(
        NoGroups, [check.case(N=2, C_in=3, L=8, C_out=6, K=3, groups=3)]))


def test_a_forward_that_assumes_contiguous_memory_is_named():
    from numpy.lib.stride_tricks import as_strided

    class Contiguous:                  # strides computed from the shape, as for a C-contiguous array
        def __init__(self, in_channels, out_channels, kernel_size):
            self.weight = np.zeros((out_channels, in_channels, kernel_size))
            self.bias = None

        def __call__(self, x):
            N, C, L = x.shape
            K, item = self.weight.shape[2], x.itemsize
            windows = as_strided(x, (N, C, L - K + 1, K), (C * L * item, L * item, item, item))
            return np.einsum("nclk,ock->nol", windows, self.weight)
    check.check_values(Contiguous, [check.case(N=2, C_in=2, L=7, C_out=3, K=3)])    # right on contiguous x
    assert "C-contiguous" in _hint(lambda: check.check_values(
        Contiguous, [check.case(N=2, C_in=2, L=7, C_out=3, K=3, layout="transposed")]))


def test_an_unanswered_layer_fails_torchs_samples_even_where_they_cannot_load(monkeypatch):
    monkeypatch.setattr(samples, "torch_sample_cases", lambda dtype="float64": None)

    class Stub:
        def __init__(self, *args, **kwargs):
            raise NotImplementedError()
    with pytest.raises(check.CheckFailed, match="NotImplementedError"):
        check.check_torch_samples(Stub)


def test_a_prediction_a_known_mistake_gives_gets_its_hint():
    mistakes = {30: "count the output's own position", 45: "each layer adds (K−1)·d"}
    for got, says in ((30, "own position"), (30.0, "own position"), (45, "(K−1)·d")):
        with pytest.raises(check.CheckFailed, match="not what torch gives") as e:
            check.check_answer("predicted_receptive_field", got, 31, mistakes)
        assert "Hint: " in str(e.value) and says in str(e.value)
    with pytest.raises(check.CheckFailed) as e:
        check.check_answer("predicted_receptive_field", 17, 31, mistakes)
    assert "Hint" not in str(e.value)


@pytest.mark.parametrize("pad, says", [
    (lambda x, p, m, K: np.pad(x, ((0, 0), (0, 0), (K // 2, K // 2))), "⌊total/2⌋ on the left"),   # K//2 each side
    (lambda x, p, m, K: np.pad(x, ((0, 0), (0, 0), (p, p))), "'same' or 'valid'"),                # 'same' as a number
])
def test_same_padding_mistakes_are_named(pad, says):
    class Same(_student(lambda x, p, m: pad(x, p, m, None))):
        def forward(self, x):
            if self.p == "same":
                xp = pad(x, self.p, self.mode, self.K)
                from numpy.lib.stride_tricks import sliding_window_view
                return np.einsum("nctk,ock->not", sliding_window_view(xp, self.K, axis=2), self.weight)
            return super().forward(x)
    c = check.case(N=2, C_in=2, L=9, C_out=2, K=4, seed=1, padding="same")
    assert says in _hint(lambda: check.check_values(Same, [c]))


def test_an_init_with_another_bound_is_not_named_as_a_mistake_it_is_not():
    """A bias drawn from U(±1/sqrt(C_out)) (64 values) is not called He init only because the KS test of a small
    sample cannot tell near bounds apart: the largest value must reach the named bound too."""
    draw = lambda C_in, G, K, shape: (np.random.default_rng(1).uniform(-1, 1, shape) *
                                      (1 / np.sqrt(64) if len(shape) == 1 else 1 / np.sqrt(C_in // G * K)))
    with pytest.raises(check.CheckFailed) as e:
        check.check_default_init(_init_class(draw), C_in=64, C_out=64, K=5, groups=4)
    assert "a = 0" not in str(e.value), str(e.value)


def test_np_pad_with_torchs_mode_names_and_a_bias_added_per_input_channel_are_named():
    torch_names = _student(lambda x, p, m: np.pad(x, ((0, 0), (0, 0), (p, p)), mode=m))
    assert "'edge'" in _hint(lambda: check.check_values(
        torch_names, [dict(PADDED, conv=dict(padding=2, padding_mode="replicate"))]))

    class BiasPerChannel:
        def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                     bias=True, padding_mode="zeros"):
            self.weight = np.zeros((out_channels, in_channels, kernel_size))
            self.bias = np.zeros(out_channels) if bias else None

        def __call__(self, x):
            K, (C_out, C_in, _) = self.weight.shape[2], self.weight.shape
            L_out = x.shape[2] - K + 1
            y = np.zeros((x.shape[0], C_out, L_out))
            for o in range(C_out):
                for c in range(C_in):
                    for t in range(L_out):
                        y[:, o, t] += x[:, c, t:t + K] @ self.weight[o, c] + self.bias[o]
            return y
    assert "once per input channel" in _hint(lambda: check.check_values(
        BiasPerChannel, [check.case(N=2, C_in=3, L=7, C_out=2, K=3, bias=True)]))


def test_the_error_checks_point_an_unanswered_layer_at_its_stub():
    """A stub that still raises NotImplementedError is told so by the error checks too, not that it
    raised NotImplementedError('') where torch raises ValueError."""
    class Stub:
        def __init__(self, *args, **kwargs):
            raise NotImplementedError()
    with pytest.raises(check.CheckFailed) as e:
        check.check_errors(Stub, [check.error_case(4, 6, 3, groups=4, says=["divisible"])])
    assert "still raises NotImplementedError, the stub's" in str(e.value), e.value


NOTEBOOK_PARAMS = {"01": [], "02": ["stride"], "03": ["stride", "padding", "same", "padding_mode"],
                   "04": ["stride", "padding", "same", "padding_mode", "dilation"],
                   "05": ["stride", "padding", "same", "padding_mode", "dilation", "groups"],
                   "06": ["stride", "padding", "same", "padding_mode", "dilation", "groups", "bias"],
                   "07": ["stride", "padding", "same", "padding_mode", "dilation", "groups", "bias", "tuples",
                          "unbatched"]}


def _glossary_terms():
    """{term: the notebook that defines it} from docs/glossary.md: each term of its tables (the names of a
    row, split at "/" and ","; symbols and formulas left out), and for torch's parameters their word."""
    import re
    from pathlib import Path
    terms = {}
    for line in (Path(__file__).parent.parent / "docs" / "glossary.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not re.fullmatch(r"\d\d", cells[-1]):
            continue
        for name in re.split(r"[/,]", re.sub(r"\$[^$]*\$", "", cells[0])):
            name = name.strip().strip("`").lower()       # 'same' keeps its quotes: "the same" is English
            if len(name) > 2:
                terms.setdefault(name, cells[-1])
    return terms


def _hint_texts(params, n=25, seed=7):
    """Every hint text the forward's hints can give on random cases with these parameters."""
    texts = set()
    for c in check.random_cases(params, n, seed=seed):
        x, w, b = check.make_data(c)
        if x.ndim == 2:
            x = x[None]
        c = dict(c, N=x.shape[0])
        texts |= {h for h, _ in lengths_module._length_mistakes(c).values()}
        texts |= {h for _, h, _ in value_hints._variants(dict(c), x, w, b)}
        conv = c["conv"]
        texts |= {hints_module._linked(k, c) for k, v in conv.items()
                  if k in ("dilation", "groups", "stride", "padding", "padding_mode") and v not in (1, 0, "zeros")}
        if "padding" in params:
            texts.add(hints_module._pad_every_axis_hint())
        if "same" in params:
            texts.add(hints_module._padding_string_hint())
        if c.get("unbatched"):
            texts.add(hints_module._unbatched_hint())
        if c.get("tuples"):
            texts.add(hints_module._one_tuple_hint())
        if conv.get("groups", 1) > 1:
            texts.add(hints_module._groups_count_hint())
    return texts


@pytest.mark.parametrize("notebook", sorted(NOTEBOOK_PARAMS))
def test_hint_texts_use_no_term_before_the_notebook_that_defines_it(notebook):
    """docs/glossary.md says which notebook defines each term; a notebook's hints use none of a later one's."""
    import re
    later = {t: n for t, n in _glossary_terms().items() if n > notebook}
    assert {"stride", "span", "dilation", "groups", "fan_in", "1-tuple"} & set(later) or notebook >= "07", later
    texts = _hint_texts(NOTEBOOK_PARAMS[notebook])
    assert len(texts) >= 8, texts
    for text in texts:
        used = [t for t in later if re.search(rf"(?<![\w-]){re.escape(t)}(?![\w-])", text.lower())]
        if later.get("padding"):
            used += ["padding"] * bool(re.search(r"\bpad", text.lower()))
        assert not used, (notebook, used, text)


def test_an_output_length_function_that_raises_gets_a_check_failure_saying_what_and_torchs_answer():
    """A function that raises (a parameter of a later notebook missing, a typo) fails the check with what it
    raised and what torch answers, as a forward that raises does; never the bare exception."""
    def no_dilation(L_in, kernel_size, stride=1, padding=0):
        return (L_in + 2 * padding - kernel_size) // stride + 1
    with pytest.raises(check.CheckFailed) as failed:
        check.check_output_length(no_dilation, [dict(L_in=10, kernel_size=3, dilation=2)])
    message = failed.value.message
    assert "your function raised TypeError:" in message and "'dilation'" in message, message
    assert "torch's answer is 6." in message, message

"""A hint names a mistake only when the mistake is verified on the student's layer (issue 29).

For each family of hints, both directions: a student who makes the mistake gets the hint; a student who makes
another mistake with the same symptom (the same wrong length, the same exception) does not. The students are
written here as small variations of one loop answer (`Loop`), each changing one thing.
"""
import numpy as np
import pytest

from autograder import notebook as check
from autograder.notebook import hints as hints_module

pytestmark = pytest.mark.fast        # make test-fast (pytest.ini)


def one(v):
    return v[0] if isinstance(v, tuple) else v


class Loop:
    """A right answer with every parameter of notebook 07, written as loops a student writes; each test
    student overrides one method."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros"):
        self.K, self.s, self.d = self.read(kernel_size), self.read(stride), self.read(dilation)
        self.p, self.g, self.mode = padding if isinstance(padding, str) else self.read(padding), groups, padding_mode
        self.C_out = out_channels
        self.weight = np.zeros(self.weight_shape(in_channels, out_channels, self.K, groups))
        self.bias = np.zeros(out_channels) if bias else None

    def read(self, v):
        return one(v)

    def weight_shape(self, C_in, C_out, K, g):
        return (C_out, C_in // g, K)

    def pads(self):
        if self.p == "valid":
            return 0, 0
        if self.p == "same":
            total = self.d * (self.K - 1)
            return total // 2, total - total // 2
        return self.p, self.p

    def pad(self, x, left, right):
        mode = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}[self.mode]
        return np.pad(x, ((0, 0), (0, 0), (left, right)), mode=mode)

    def length(self, L_pad):
        return (L_pad - self.d * (self.K - 1) - 1) // self.s + 1

    def window(self, xp, t):
        start = t * self.s
        return xp[:, :, start:start + self.d * (self.K - 1) + 1:self.d]

    def combine(self, window, w):           # (N, C, K) with (O, C, K) -> (N, O)
        return np.einsum("nck,ock->no", window, w)

    def add_bias(self, y):
        return y + self.bias[None, :, None]

    def forward(self, x):
        unbatched = x.ndim == 2
        if unbatched:
            x = x[None]
        xp = self.pad(x, *self.pads())
        N, C_in, L_pad = xp.shape
        L_out = self.length(L_pad)
        G = self.g
        Cg, Og = C_in // G, self.C_out // G
        y = np.zeros((N, self.C_out, L_out))
        for t in range(L_out):
            win = self.window(xp, t)
            for j in range(G):
                part = self.combine(win[:, j * Cg:(j + 1) * Cg], self.weight[j * Og:(j + 1) * Og])
                y[:, j * Og:(j + 1) * Og, t] = part
        if self.bias is not None:
            y = self.add_bias(y)
        return y[0] if unbatched else y

    def __call__(self, x):
        return self.forward(x)


def hint_of(run):
    """The hint of the CheckFailed that run() raises ('' if none); it must raise one."""
    with pytest.raises(check.CheckFailed) as e:
        run()
    return e.value.hint or ""


def values(student, **case):
    return hint_of(lambda: check.check_values(student, [check.case(**case)]))


def test_the_right_answer_passes():
    check.check_values(Loop, [check.case(N=2, C_in=4, L=11, C_out=6, K=3, stride=2, padding=1, dilation=2, groups=2,
                                         bias=True, padding_mode="circular")])


# ---------------------------------------------------------------- a last window that runs past the end (stride)
class Ceil(Loop):                   # L_out rounded up: the last window is short, NumPy raises
    def length(self, L_pad):
        return -(-(L_pad - self.d * (self.K - 1) - 1) // self.s) + 1


class StrideAsGap(Loop):            # stride used as the gap between taps: the right length, windows too long
    def window(self, xp, t):
        return xp[:, :, t * self.s:t * self.s + self.s * (self.K - 1) + 1:self.s]


def test_a_length_rounded_up_is_named_and_stride_as_the_gap_between_taps_is_not():
    c = dict(N=2, C_in=2, L=10, C_out=2, K=3, stride=2)
    assert "rounds down" in values(Ceil, **c)
    hint = values(StrideAsGap, **c)
    assert "rounds down" not in hint and "floor" not in hint, hint
    assert "right with stride=1" in hint, hint      # what the probe proved, no more


def test_an_error_no_probe_explains_gets_no_hint_and_the_students_line():
    class Broken(Loop):
        def combine(self, window, w):
            return np.einsum("nck,ock->no", window[:, :, :-1], w)      # wrong everywhere
    with pytest.raises(check.CheckFailed) as e:
        check.check_values(Broken, [check.case(N=2, C_in=2, L=10, C_out=2, K=3, stride=2, dilation=2)])
    assert not e.value.hint, e.value.hint
    assert 'line ' in e.value.message and 'np.einsum("nck,ock->no", window[:, :, :-1], w)' in e.value.message, \
        e.value.message


# ---------------------------------------------------------------- dilation
class DilatedInput(Loop):           # x[..., ::d], then an ordinary convolution
    def pad(self, x, left, right):
        return super().pad(x, left, right)[:, :, ::self.d]

    def length(self, L_pad):
        return (L_pad - self.K) // self.s + 1

    def window(self, xp, t):
        return xp[:, :, t * self.s:t * self.s + self.K]


class TapsTooFarApart(Loop):        # taps d+1 apart, with the length of that span
    def length(self, L_pad):
        return (L_pad - (self.d + 1) * (self.K - 1) - 1) // self.s + 1

    def window(self, xp, t):
        return xp[:, :, t * self.s:t * self.s + (self.d + 1) * (self.K - 1) + 1:self.d + 1]


class ContiguousTaps(Loop):         # the span in L_out, K neighbouring taps
    def window(self, xp, t):
        return xp[:, :, t * self.s:t * self.s + self.K]


class SpanAsK(Loop):                # L_out with the span K: the last windows have too few taps
    def length(self, L_pad):
        return (L_pad - self.K) // self.s + 1


class SpanAsDK(Loop):
    def length(self, L_pad):
        return (L_pad - self.d * self.K) // self.s + 1


class OneShort(Loop):
    def length(self, L_pad):
        return super().length(L_pad) - 1


def test_dilation_applied_to_the_input_is_named_and_taps_too_far_apart_are_not():
    c = dict(N=2, C_in=2, L=13, C_out=2, K=3, dilation=2)
    assert "applied to the input" in values(DilatedInput, **c)
    assert "applied to the input" not in values(TapsTooFarApart, **c)


def test_contiguous_taps_with_the_right_length_are_named():
    c = dict(N=2, C_in=2, L=13, C_out=2, K=3, dilation=2)
    assert "the taps are d apart" in values(ContiguousTaps, **c)
    assert "the taps are d apart" not in values(DilatedInput, **c)


def test_a_span_of_k_is_tied_to_dilation_by_the_probe_and_another_error_is_not():
    c = dict(N=2, C_in=2, L=13, C_out=2, K=3, dilation=2)
    assert "d·(K−1)+1" in values(SpanAsK, **c)

    class WrongEverywhere(Loop):
        def combine(self, window, w):
            return np.einsum("nck,ock->no", window[:, :, 1:], w)
    assert "dilation" not in values(WrongEverywhere, **c)


def test_one_output_too_short_and_a_span_of_dk_are_told_apart_where_their_lengths_agree():
    c = dict(N=2, C_in=2, L=13, C_out=2, K=3, dilation=2)        # d = 2: both give one output too few here
    assert "not d·K" in values(SpanAsDK, **c)
    hint = values(OneShort, **c)
    assert "one output too short" in hint and "d·K" not in hint, hint


# ---------------------------------------------------------------- padding
class SameSymmetric(Loop):          # 'same' as ⌊total/2⌋ on both sides
    def pads(self):
        if self.p == "same":
            return (self.d * (self.K - 1)) // 2, (self.d * (self.K - 1)) // 2
        return super().pads()


class OneSide(Loop):                # only the left padding, the length from it
    def pads(self):
        return super().pads()[0], 0


def test_same_split_symmetrically_is_named_and_not_as_one_side():
    c = dict(N=2, C_in=2, L=9, C_out=2, K=3, dilation=3, padding="same")      # total 6? no: 2·3 = 6 even
    c = dict(c, K=2)                                                          # total 3: 1 + 2
    hint = values(SameSymmetric, **c)
    assert "one short when the total is odd" in hint and "both sides of the input" not in hint, hint
    hint = values(OneSide, **dict(c, padding=2, K=3))
    assert "both sides" in hint and "total is odd" not in hint, hint


class SameByDefault(Loop):          # K//2 zeros at each end whatever the padding, as many tutorials
    def pads(self):
        return self.K // 2, self.K // 2


class OneLong(Loop):                # one window more, read from zeros past the end (so nothing raises)
    def pad(self, x, left, right):
        self.true_length = x.shape[2] + left + right
        return np.pad(super().pad(x, left, right), ((0, 0), (0, 0), (0, self.s + self.d * self.K)))

    def length(self, L_pad):
        return super().length(self.true_length) + 1


def test_k_over_2_zeros_by_default_is_named_and_one_output_too_long_is_not():
    c = dict(N=2, C_in=2, L=9, C_out=2, K=3)
    assert "K//2 zeros" in values(SameByDefault, **c)
    hint = values(OneLong, **c)
    assert "one output too long" in hint and "K//2" not in hint, hint


class CircularSwapped(Loop):
    def pad(self, x, left, right):
        if self.mode != "circular":
            return super().pad(x, left, right)
        return np.concatenate([x[..., :left], x, x[..., x.shape[2] - right:]], axis=2)


class CircularAsZeros(Loop):
    def pad(self, x, left, right):
        return np.pad(x, ((0, 0), (0, 0), (left, right)))


def test_circular_padding_with_its_sides_swapped_is_named_and_zeros_are_not_called_swapped():
    c = dict(N=2, C_in=2, L=9, C_out=2, K=3, padding=2, padding_mode="circular")
    assert "sides swapped" in values(CircularSwapped, **c)
    hint = values(CircularAsZeros, **c)
    assert "swapped" not in hint and "padded with zeros" in hint, hint


# ---------------------------------------------------------------- sums
@pytest.mark.parametrize("axes, factor", [((1, 2), "C_in·K"), ((2,), "1/(K)"), ((1,), "1/(C_in)")])
def test_the_mean_instead_of_the_sum_is_named_with_its_factor(axes, factor):
    class Mean(Loop):
        def combine(self, window, w):
            prod = window[:, None] * w[None]                # (N, O, C, K)
            return prod.mean(axis=tuple(a + 1 for a in axes)).sum(axis=tuple(range(2, 4 - len(axes))))
    hint = values(Mean, N=2, C_in=3, L=9, C_out=2, K=4, bias=True)
    assert factor in hint and "np.mean" in hint, hint


# ---------------------------------------------------------------- groups
class GroupsAsChannelsPerGroup(Loop):   # d2l-ai/d2l-en#2730: groups where C_in // groups belongs
    def weight_shape(self, C_in, C_out, K, g):
        return (C_out, g, K)

    def forward(self, x):
        self.g = x.shape[1] // self.g
        try:
            return super().forward(x)
        finally:
            self.g = x.shape[1] // self.g


class GroupsIgnored(Loop):
    def weight_shape(self, C_in, C_out, K, g):
        return (C_out, C_in, K)

    def forward(self, x):
        g, self.g = self.g, 1
        try:
            return super().forward(x)
        finally:
            self.g = g


def test_groups_read_as_channels_per_group_is_named_and_groups_ignored_is_not():
    c = check.case(N=2, C_in=6, L=9, C_out=6, K=3, groups=3, bias=True)
    assert "number of groups" in hint_of(lambda: check.check_weight_shape(GroupsAsChannelsPerGroup, [c]))
    assert "number of groups" in hint_of(lambda: check.check_values(GroupsAsChannelsPerGroup, [c]))
    hint = hint_of(lambda: check.check_weight_shape(GroupsIgnored, [c]))
    assert "number of groups" not in hint and "C_in // groups" in hint, hint
    hint = hint_of(lambda: check.check_values(GroupsIgnored, [c]))
    assert "number of groups" not in hint and "right with groups=1" in hint, hint


# ---------------------------------------------------------------- 1-tuples (07)
class StrideTuple(Loop):            # stride=(2,) kept as a tuple
    def read(self, v):
        return v


class OnlyKernelSizeRead(Loop):     # kernel_size[0] done, stride left a tuple
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.s = kwargs.get("stride", 1)


def test_a_one_tuple_read_wrongly_is_named_not_as_groups():
    c = check.case(N=2, C_in=4, L=11, C_out=4, K=3, stride=2, groups=2, bias=True, tuples=True)
    for student in (StrideTuple, OnlyKernelSizeRead):
        hint = hint_of(lambda: check.check_values(student, [c]))
        assert "1-tuple" in hint and "groups" not in hint, (student.__name__, hint)
    hint = hint_of(lambda: check.check_values(GroupsIgnored, [c]))
    assert "1-tuple" not in hint, hint


# ---------------------------------------------------------------- bias, unbatched
class BiasAlongLength(Loop):
    def add_bias(self, y):
        return y + self.bias


def test_a_bias_on_the_length_axis_is_named_and_another_broadcast_error_is_not():
    c = dict(N=2, C_in=2, L=9, C_out=3, K=3, bias=True)
    assert "channel axis" in values(BiasAlongLength, **c)

    class Broadcast(Loop):          # a broadcast error that has nothing to do with the bias
        def combine(self, window, w):
            return (window[:, None, :, :-1] * w[None]).sum(axis=(2, 3))
    assert "bias" not in values(Broadcast, **c)


def test_an_unbatched_input_is_named_only_when_the_batched_one_is_right():
    class Batched(Loop):
        def forward(self, x):
            N, C, L = x.shape
            return super().forward(x)
    c = dict(N=1, C_in=2, L=9, C_out=3, K=3, unbatched=True)
    assert "batch of one" in values(Batched, **c)

    class NeverRight(Batched):
        def forward(self, x):
            N, C, L = x.shape
            raise ValueError("not yet")
    assert "batch of one" not in values(NeverRight, **c)


# ---------------------------------------------------------------- conv1d_output_length
@pytest.mark.parametrize("fn, says", [
    (lambda L_in, kernel_size, stride=1, padding=0, dilation=1: -(-(L_in - kernel_size) // stride) + 1, "rounds down"),
    (lambda L_in, kernel_size, stride=1, padding=0, dilation=1: L_in - kernel_size + 1, "stride is ignored"),
    (lambda L_in, kernel_size, stride=1, padding=0, dilation=1: (L_in - kernel_size) // stride, "too short"),
    (lambda L_in, kernel_size, stride=1, padding=0, dilation=1: (L_in - 2) // stride + 1, ""),   # K read as 2
])
def test_a_length_function_is_named_only_for_the_mistake_it_makes(fn, says):
    hint = hint_of(lambda: check.check_output_length(fn, [dict(L_in=10, kernel_size=3, stride=2)]))
    assert (says in hint) if says else not hint, hint


def test_two_length_functions_with_the_same_wrong_length_are_told_apart():
    """L_in = 10, K = 3, stride 2: torch 4; rounding up gives 5, and so does (L_in − K)//stride + 2."""
    ceil = lambda L_in, kernel_size, stride=1, padding=0, dilation=1: -(-(L_in - kernel_size) // stride) + 1
    plus2 = lambda L_in, kernel_size, stride=1, padding=0, dilation=1: (L_in - kernel_size) // stride + 2
    case = [dict(L_in=10, kernel_size=3, stride=2)]
    assert "rounds down" in hint_of(lambda: check.check_output_length(ceil, case))
    assert "rounds down" not in hint_of(lambda: check.check_output_length(plus2, case))


def test_counts_are_singular_for_one(capsys):
    check.check_values(Loop, [check.case(N=1, C_in=1, L=5, C_out=1, K=3, bias=False)])
    assert "1 configuration\n" in capsys.readouterr().out


def test_every_length_hint_is_verified_by_probes_it_does_not_explain():
    """No probes, no named length: the evidence of the case alone is not enough."""
    c = check.case(N=1, C_in=1, L=10, C_out=1, K=3, stride=2)
    assert hints_module._hint_shape(c, (1, 1, 4), (1, 1, 5)) == ""


def test_a_weight_order_mistake_with_k_1_is_not_called_a_window_past_the_end():
    """einsum("nck,cok") reads the weight as (C_in, C_out, K): with K = 1 NumPy raises a broadcast error, as a
    window shorter than K would; nothing ties it to a window, so no hint names one."""
    class WeightOrder(Loop):
        def combine(self, window, w):
            return np.einsum("nck,cok->no", window, w)
    with pytest.raises(check.CheckFailed) as e:
        check.check_values(WeightOrder, [check.case(N=2, C_in=2, L=6, C_out=3, K=1)])
    assert not e.value.hint, e.value.hint
    assert 'np.einsum("nck,cok->no", window, w)' in e.value.message, e.value.message


def test_a_bias_of_none_added_is_named_and_another_none_is_not():
    class AddsNone(Loop):
        def add_bias(self, y):
            return y + self.bias[None, :, None]

        def forward(self, x):
            y = super().forward(x)
            return y if self.bias is not None else self.add_bias(y)
    c = dict(N=2, C_in=2, L=9, C_out=3, K=3, bias=False)
    assert "self.bias is None" in values(AddsNone, **c)

    class NoneEverywhere(Loop):
        def forward(self, x):
            return super().forward(x) + self.scale      # a None of its own, with or without a bias
        scale = None
    assert "bias" not in values(NoneEverywhere, **c)


class NoPadding(Loop):              # the padding left out: the length without it
    def pads(self):
        return 0, 0


def test_missing_padding_is_named_and_padding_on_one_side_is_not():
    c = dict(N=2, C_in=2, L=9, C_out=3, K=3, padding=2)
    assert "the padding is missing" in values(NoPadding, **c)
    assert "missing" not in values(OneSide, **c)


def test_same_as_a_number_is_named_only_when_an_int_padding_works():
    class SameAsNumber(Loop):
        def pads(self):
            return self.p, self.p           # 'same' goes into np.pad
    c = dict(N=2, C_in=2, L=9, C_out=3, K=3, padding="same")
    assert "'same' or 'valid'" in values(SameAsNumber, **c)

    class NeverPads(SameAsNumber):
        def pad(self, x, left, right):
            return np.pad(x, ((0, 0), (0, 0), (left + 1, right)))       # wrong with an int padding too
    assert "'same' or 'valid'" not in values(NeverPads, **c)


# ---------------------------------------------------------------- helper E's students (issue 29, second read)
class LengthFromChannels(Loop):     # L_in read from x.shape[1]: the windows still slide along axis 2
    def length(self, L_pad):
        return super().length(self.C_in + L_pad - self.L_in)

    def forward(self, x):
        self.C_in, self.L_in = x.shape[1], x.shape[2]
        return super().forward(x)


def test_a_length_from_the_channel_axis_is_named_without_saying_where_the_windows_slide():
    hint = hint_of(lambda: check.check_output_shape(LengthFromChannels, [check.case(N=2, C_in=5, L=9, C_out=2, K=3)]))
    assert "as many positions as windows along the channel axis would give" in hint, hint
    assert "windows slide along" not in hint, hint


class LengthBeforePadding(Loop):    # pads x, but counts L_out on the input before its padding
    def length(self, L_pad):
        left, right = self.pads()
        return super().length(L_pad - left - right)


@pytest.mark.parametrize("check_fn", [check.check_output_shape, check.check_values])
def test_l_out_counted_before_padding_is_told_apart_from_padding_left_out(check_fn):
    c = [check.case(N=2, C_in=2, L=9, C_out=3, K=3, padding=2)]
    assert "the padding is missing" in hint_of(lambda: check_fn(NoPadding, c))
    hint = hint_of(lambda: check_fn(LengthBeforePadding, c))
    assert "the first 7 positions of torch's" in hint and "missing" not in hint, hint


class BiasTwice(Loop):              # the bias inside the loop and again after it
    def combine(self, window, w):
        return super().combine(window, w) + (0 if self.bias is None else self.bias[:len(w)])

    def forward(self, x):
        if self.g != 1:
            raise NotImplementedError
        return super().forward(x)


class BiasPerChannel(Loop):         # the bias added with each input channel's products, not after the sum
    def combine(self, window, w):
        return super().combine(window, w) + window.shape[1] * self.bias[:len(w)]

    def add_bias(self, y):
        return y


@pytest.mark.parametrize("C_in", [2, 3])
def test_a_bias_added_twice_is_not_called_once_per_input_channel_where_c_in_is_2(C_in):
    c = dict(N=2, C_in=C_in, L=7, C_out=3, K=3, bias=True)
    hint = values(BiasTwice, **c)
    assert "added twice" in hint and "per input channel" not in hint, hint
    hint = values(BiasPerChannel, **c)
    assert "once per input channel" in hint and "twice" not in hint, hint


def test_a_bias_drawn_with_its_own_bound_is_never_called_he_init():
    """U(±1/sqrt(C_out)): 0.125 for C_out = 64, 9 % under He's sqrt(6/320) = 0.137; 64 values cannot tell the
    two apart (whatever the draw), a layer with other sizes can."""
    for seed in range(20):
        def draw(C_in, G, K, shape, seed=seed):
            rng = np.random.default_rng(seed)
            return rng.uniform(-1, 1, shape) * (1 / np.sqrt(shape[0]) if len(shape) == 1 else 1 / np.sqrt(C_in * K))
        from tests.test_check import _init_class
        with pytest.raises(check.CheckFailed) as e:
            check.check_default_init(_init_class(draw), C_in=64, C_out=64, K=5, bias=True)
        assert "a = 0" not in str(e.value), (seed, str(e.value))


class Float32(Loop):                # x and the weight cast to float32, every sum in float32
    def combine(self, window, w):
        return super().combine(window.astype(np.float32), w.astype(np.float32))

    def forward(self, x):
        return super().forward(x).astype(np.float32)


def test_a_float32_output_is_named_and_a_float32_output_with_another_mistake_is_not():
    c = dict(N=2, C_in=4, L=20, C_out=3, K=5, bias=True)
    assert "float32" in values(Float32, **c)

    class Float32Flipped(Float32):
        def combine(self, window, w):
            return super().combine(window, w[..., ::-1])
    assert "float32" not in values(Float32Flipped, **c)

    class Float64Off(Loop):         # float64, off by about float32's precision
        def forward(self, x):
            return super().forward(x) * (1 + 1e-6)
    assert "float32" not in values(Float64Off, **c)

    class CastsX(Loop):             # x cast to float32, the arithmetic in float64 (the weight is float64)
        def forward(self, x):
            return super().forward(x.astype(np.float32))
    c = dict(N=4, C_in=2, L=30, C_out=3, K=2, bias=True)     # where x's rounding shows at float64's precision
    hint = values(CastsX, **c)
    assert "torch's for x rounded to float32" in hint, hint

    class CastsXFlipped(CastsX):
        def combine(self, window, w):
            return super().combine(window, w[..., ::-1])
    assert "float32" not in values(CastsXFlipped, **c)


class LastChannel(Loop):            # y = ... where y += belongs, in a loop over the input channels
    def combine(self, window, w):
        return np.einsum("nk,ok->no", window[:, -1], w[:, -1])


class FirstChannel(Loop):
    def combine(self, window, w):
        return np.einsum("nk,ok->no", window[:, 0], w[:, 0])


def test_only_the_last_input_channel_is_named_and_only_the_first_is_not_called_last():
    c = dict(N=2, C_in=3, L=8, C_out=2, K=3)
    assert "only the last input channel counts" in values(LastChannel, **c)
    hint = values(FirstChannel, **c)
    assert "only the first input channel counts" in hint and "last" not in hint, hint


def test_an_unbatched_output_squeezed_to_1_d_is_named_and_one_left_batched_is_not():
    class Squeezed(Loop):
        def forward(self, x):
            y = super().forward(x if x.ndim == 3 else x[None])
            return y.squeeze() if x.ndim == 2 else y
    c = dict(N=1, C_in=2, L=9, C_out=1, K=3, unbatched=True)
    hint = values(Squeezed, **c)
    assert "lost its axes of length 1 (here C_out = 1)" in hint, hint

    class Batched(Loop):
        def forward(self, x):
            return super().forward(x if x.ndim == 3 else x[None])
    hint = values(Batched, **c)
    assert "length 1" not in hint and "unbatched output" in hint, hint


def test_a_one_tap_layer_never_names_a_dilation_mistake():
    """K = 1: torch's dilation changes nothing, so an output that x[..., ::d] would also give is no evidence of
    it (a forward that reads zeros past the padding's edge, here, gave [b, b] as x[..., ::2] would)."""
    class EdgeReadsZeros(Loop):
        def window(self, xp, t):
            win = super().window(xp, t)
            return win if t == 0 else np.zeros_like(win)
    hint = values(EdgeReadsZeros, N=2, C_in=2, L=2, C_out=1, K=1, stride=2, dilation=2, padding=1, bias=True)
    assert "dilation" not in hint, hint


def test_an_output_that_does_not_depend_on_x_names_no_mistake():
    """An output all zeros (no bias) is what np.pad(x, p) sliced back gives when its samples are all padding, and
    what a forward that reads nothing gives: no evidence of either, so no hint."""
    class Zeros(Loop):
        def forward(self, x):
            return np.zeros_like(super().forward(x))
    hint = values(Zeros, N=1, C_in=3, L=12, C_out=3, K=1, stride=3, dilation=3, padding=2)
    assert not hint, hint


def test_inputs_sliced_by_the_output_groups_size_are_not_called_groups_as_channels_per_group():
    class SlicesByOutputGroup(Loop):
        def combine(self, window, w):
            return np.einsum("nck,ock->no", window[:, :w.shape[1]], w)

        def forward(self, x):
            G, C_out = self.g, self.C_out
            y = super().forward(x)          # the right answer, unless a group's slice is the wrong size:
            if x.shape[1] // G != C_out // G:
                raise ValueError("operands could not be broadcast together")
            return y
    hint = values(SlicesByOutputGroup, N=2, C_in=6, L=4, C_out=4, K=1, stride=4, groups=2, padding=3)
    assert "number of groups" not in hint, hint
    assert "number of groups" in values(GroupsAsChannelsPerGroup, N=2, C_in=6, L=9, C_out=6, K=3, groups=3)

# Correct and vectorised: all windows as one sliding_window_view, one einsum for the forward, the same einsum
# read backwards for dw and for the windows' gradient, scattered back with np.add.at. Full marks.
# expect: test_predict=1 test_bias_grad=1 test_weight_grad=2 test_input_grad=2 test_padding_grad=1 test_random_layers=2 test_numerical=1
# %% answer predict_answer
predicted_bias_grad = 64
# %% answer conv1d_answer
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

MODES = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros'):
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.groups, self.padding_mode = groups, padding_mode
        bound = 1 / np.sqrt(in_channels // groups * kernel_size)
        self.weight = np.random.uniform(-bound, bound, (out_channels, in_channels // groups, kernel_size))
        self.bias = np.random.uniform(-bound, bound, out_channels) if bias else None

    def _amounts(self):
        K, d = self.kernel_size, self.dilation
        if self.padding == 'same':
            return d * (K - 1) // 2, d * (K - 1) - d * (K - 1) // 2
        if self.padding == 'valid':
            return 0, 0
        return self.padding, self.padding

    def forward(self, x):
        """All windows as one view, one einsum over them."""
        left, right = self._amounts()
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        x_pad = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=MODES[self.padding_mode])
        N, C_in, L_pad = x_pad.shape
        windows = sliding_window_view(x_pad, d * (K - 1) + 1, axis=2)[:, :, ::s, ::d]   # (N, C_in, L_out, K)
        L_out = windows.shape[2]
        C_out = self.out_channels
        w_g = self.weight.reshape(G, C_out // G, C_in // G, K)
        win_g = windows.reshape(N, G, C_in // G, L_out, K)
        y = np.einsum("gock,ngctk->ngot", w_g, win_g, optimize=True).reshape(N, C_out, L_out)
        if self.bias is not None:
            y = y + self.bias[None, :, None]
        self.cache = (win_g, L_pad, x.shape[2])
        return y

    def backward(self, dy):
        """The forward's einsum read backwards, then each window's gradient scattered to its positions."""
        win_g, L_pad, L_in = self.cache
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        N, _, C_in_g, L_out, _ = win_g.shape
        C_out = dy.shape[1]
        dy_g = dy.reshape(N, G, C_out // G, L_out)
        w_g = self.weight.reshape(G, C_out // G, C_in_g, K)
        db = None if self.bias is None else dy.sum(axis=(0, 2))
        dw = np.einsum("ngot,ngctk->gock", dy_g, win_g, optimize=True).reshape(self.weight.shape)
        d_windows = np.einsum("ngot,gock->ngctk", dy_g, w_g, optimize=True).reshape(N, G * C_in_g, L_out, K)
        positions = np.arange(L_out)[:, None] * s + np.arange(K)[None, :] * d        # where each tap read
        dx_pad = np.zeros((N, G * C_in_g, L_pad), dtype=d_windows.dtype)
        np.add.at(dx_pad, (slice(None), slice(None), positions), d_windows)
        left, right = self._amounts()
        if self.padding_mode == 'zeros':
            return dx_pad[:, :, left:left + L_in], dw, db
        source = np.pad(np.arange(L_in), (left, right), mode=MODES[self.padding_mode])
        dx = np.zeros((N, G * C_in_g, L_in), dtype=dx_pad.dtype)
        np.add.at(dx, (slice(None), slice(None), source), dx_pad)
        return dx, dw, db

    def __call__(self, x):
        return self.forward(x)
# %% answer numgrad_answer
def numerical_gradients(layer, x, dy, eps=1e-6):
    def loss():
        return np.sum(layer(x) * dy)

    def central(a):
        grad = np.zeros(a.shape)
        for i in np.ndindex(a.shape):
            kept = a[i]
            a[i] = kept + eps
            up = loss()
            a[i] = kept - eps
            down = loss()
            a[i] = kept
            grad[i] = (up - down) / (2 * eps)
        return grad

    db = None if layer.bias is None else central(layer.bias)
    return central(x), central(layer.weight), db

# Cheat: a right NumPy forward, but backward imports torch inside and lets F.conv_transpose1d compute dx and
# torch.nn.grad.conv1d_weight compute dw. The import fails in the grader's answer process at the first
# backward call: every cell that calls backward scores 0; the prediction and the numerical gradients (which use
# only the forward) keep their points.
# expect: test_predict=1 test_numerical=1
# %% answer predict_answer
predicted_bias_grad = 64
# %% answer conv1d_answer
import numpy as np

NP_MODES = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}


class Conv1d:
    """NumPy torch.nn.Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
    groups=1, bias=True, padding_mode='zeros') with its backward pass.

    forward:  x (N, C_in, L_in) -> y (N, C_out, L_out)
    backward: dy = dL/dy (N, C_out, L_out) -> (dx, dw, db) of shapes (N, C_in, L_in),
              (C_out, C_in // groups, kernel_size) and (C_out,), db None without a bias.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros'):
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.groups, self.padding_mode = groups, padding_mode
        bound = 1 / np.sqrt(in_channels // groups * kernel_size)      # 1/sqrt(fan_in), as torch
        self.weight = np.random.uniform(-bound, bound, (out_channels, in_channels // groups, kernel_size))
        self.bias = np.random.uniform(-bound, bound, out_channels) if bias else None

    def forward(self, x):
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        if self.padding == 'valid':
            left = right = 0
        elif self.padding == 'same':
            left = d * (K - 1) // 2                          # the odd one goes right
            right = d * (K - 1) - left
        else:
            left = right = self.padding
        x_pad = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=NP_MODES[self.padding_mode])
        N, C_in, L_pad = x_pad.shape
        C_out = self.out_channels
        L_out = (L_pad - d * (K - 1) - 1) // s + 1
        w_g = self.weight.reshape(G, C_out // G, C_in // G, K)
        y = np.zeros((N, G, C_out // G, L_out), dtype=np.result_type(x_pad, self.weight))
        for k in range(K):
            taps = slice(k * d, k * d + (L_out - 1) * s + 1, s)     # tap k reads x_pad[t*s + k*d], every t
            x_k = x_pad[:, :, taps].reshape(N, G, C_in // G, L_out)
            y += np.einsum("goc,ngct->ngot", w_g[..., k], x_k)
        y = y.reshape(N, C_out, L_out)
        if self.bias is not None:
            y = y + self.bias[None, :, None]
        self.saved = (x_pad, left, right, x.shape[2])       # what backward needs
        return y

    def backward(self, dy):
        """dx is conv_transpose1d of dy, dw is torch's own weight gradient: let torch do both."""
        import torch
        import torch.nn.functional as F
        x_pad, left, right, L_in = self.saved
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        span = d * (K - 1) + 1
        w = torch.from_numpy(np.asarray(self.weight, np.float64))
        g = torch.from_numpy(np.asarray(dy, np.float64))
        extra = (x_pad.shape[2] - span) % s                   # what the floor dropped: output_padding
        dx_pad = F.conv_transpose1d(g, w, stride=s, dilation=d, groups=G, output_padding=extra).numpy()
        dw = torch.nn.grad.conv1d_weight(torch.from_numpy(np.asarray(x_pad, np.float64)), w.shape, g, stride=s,
                                         dilation=d, groups=G).numpy()
        db = None if self.bias is None else dy.sum(axis=(0, 2))
        if self.padding_mode == 'zeros':
            return dx_pad[:, :, left:left + L_in], dw, db
        index = np.pad(np.arange(L_in), (left, right), mode=NP_MODES[self.padding_mode])
        dx = np.zeros((dx_pad.shape[0], dx_pad.shape[1], L_in))
        np.add.at(dx, (slice(None), slice(None), index), dx_pad)
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

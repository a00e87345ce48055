# Cheat: the forward is NumPy, but backward builds the same forward in torch and calls torch.autograd.grad.
# The grader's answer process refuses `import torch` (ForbiddenRoutine), and the import is at the top of the
# answer cell: Conv1d is never defined, every cell that uses it scores 0 (in a notebook alone, the check's
# guard makes torch.autograd.grad raise instead: the backward cells fail there too).
# expect: test_predict=1
# %% answer predict_answer
predicted_bias_grad = 64
# %% answer conv1d_answer
import numpy as np
import torch
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

    def _forward(self, xp, w, b, lib):
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        N, C_in, L_pad = xp.shape
        C_out = w.shape[0]
        L_out = (L_pad - d * (K - 1) - 1) // s + 1
        y = 0
        for k in range(K):
            x_k = xp[:, :, k * d:k * d + (L_out - 1) * s + 1:s].reshape(N, G, C_in // G, L_out)
            y = y + lib.einsum("goc,ngct->ngot", w.reshape(G, C_out // G, C_in // G, K)[..., k], x_k)
        y = y.reshape(N, C_out, L_out)
        return y if b is None else y + b[None, :, None]

    def forward(self, x):
        left, right = self._amounts()
        self.x = np.asarray(x, np.float64)
        x_pad = np.pad(self.x, ((0, 0), (0, 0), (left, right)), mode=MODES[self.padding_mode])
        return self._forward(x_pad, self.weight, self.bias, np)

    def backward(self, dy):
        """Let torch's autograd do it: the same forward in torch, then torch.autograd.grad."""
        left, right = self._amounts()
        x = torch.tensor(self.x, requires_grad=True)
        w = torch.tensor(np.asarray(self.weight, np.float64), requires_grad=True)
        b = None if self.bias is None else torch.tensor(np.asarray(self.bias, np.float64), requires_grad=True)
        mode = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'replicate', 'circular': 'circular'}
        x_pad = torch.nn.functional.pad(x, (left, right), mode=mode[self.padding_mode])
        y = self._forward(x_pad, w, b, torch)
        inputs = (x, w) if b is None else (x, w, b)
        grads = torch.autograd.grad(y, inputs, torch.tensor(np.asarray(dy, np.float64)))
        return grads[0].numpy(), grads[1].numpy(), None if b is None else grads[2].numpy()

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

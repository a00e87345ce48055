# Correct: notebook 06's loop over output positions, and a backward that loops over the same windows,
# adding into dw and dx_pad; the padding folded back element by element. Full marks.
# expect: test_predict=1 test_bias_grad=1 test_weight_grad=2 test_input_grad=2 test_padding_grad=1 test_random_layers=2 test_numerical=1
# %% answer predict_answer
predicted_bias_grad = 64
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros'):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.padding_mode = padding_mode
        bound = 1 / np.sqrt(in_channels // groups * kernel_size)
        self.weight = np.random.uniform(-bound, bound, (out_channels, in_channels // groups, kernel_size))
        self.bias = np.random.uniform(-bound, bound, out_channels) if bias else None

    def forward(self, x):
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        span = d * (K - 1) + 1
        if self.padding == 'valid':
            left = right = 0
        elif self.padding == 'same':
            left, right = (span - 1) // 2, span - 1 - (span - 1) // 2
        else:
            left = right = self.padding
        mode = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}[self.padding_mode]
        x = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=mode)
        N, C_in, L_pad = x.shape
        L_out = (L_pad - span) // s + 1
        ci, co = C_in // G, self.out_channels // G
        y = np.zeros((N, self.out_channels, L_out))
        for t in range(L_out):
            window = x[:, :, t * s:t * s + span:d]
            for g in range(G):
                y[:, g * co:(g + 1) * co, t] = np.einsum("nck,ock->no", window[:, g * ci:(g + 1) * ci],
                                                         self.weight[g * co:(g + 1) * co])
        if self.bias is not None:
            y = y + self.bias[None, :, None]
        self.x_pad, self.left, self.right = x, left, right
        return y

    def backward(self, dy):
        x = self.x_pad
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        span = d * (K - 1) + 1
        N, C_in, L_pad = x.shape
        L_out = dy.shape[2]
        ci, co = C_in // G, self.out_channels // G
        dx_pad = np.zeros(x.shape)
        dw = np.zeros(self.weight.shape)
        for t in range(L_out):
            taps = slice(t * s, t * s + span, d)              # the window of output t
            for g in range(G):
                out, inp = slice(g * co, (g + 1) * co), slice(g * ci, (g + 1) * ci)
                dw[out] += np.einsum("no,nck->ock", dy[:, out, t], x[:, inp, taps])
                dx_pad[:, inp, taps] += np.einsum("no,ock->nck", dy[:, out, t], self.weight[out])
        db = None if self.bias is None else dy.sum(axis=(0, 2))
        L = L_pad - self.left - self.right
        if self.padding_mode == 'zeros':
            return dx_pad[:, :, self.left:self.left + L], dw, db
        dx = dx_pad[:, :, self.left:self.left + L].copy()
        for j in list(range(self.left)) + list(range(self.left + L, L_pad)):   # the padded positions
            i = j - self.left
            if self.padding_mode == 'reflect':
                i = -i if i < 0 else 2 * (L - 1) - i
            elif self.padding_mode == 'replicate':
                i = 0 if i < 0 else L - 1
            else:
                i = i % L
            dx[:, :, i] += dx_pad[:, :, j]
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

# Wrong: dx_pad is as long as conv_transpose1d without output_padding, (L_out - 1)*s + span, so a tail of
# x_pad that no window read (the floor) is missing from dx, or the fold of a padding mode fails on it. A backward
# that raises fails every cell that calls it, the db and dw cells too: each has a case with reflect or circular
# padding whose floor drops a tail.
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
        x_pad, left, right, L_in = self.saved
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        N, C_in, L_pad = x_pad.shape
        C_out, L_out = dy.shape[1], dy.shape[2]
        dt = np.result_type(x_pad, self.weight, dy)
        # db: the bias is added at every sample and position of its channel
        db = None if self.bias is None else dy.sum(axis=(0, 2))
        # dw and dx, tap by tap: the forward read x_pad[t*s + k*d] with w[o, c, k] for every t, so dy[t]
        # goes back there (dy dilated by the stride), times w[o, c, k] for dx and times x_pad for dw
        dy_g = dy.reshape(N, G, C_out // G, L_out)
        w_g = self.weight.reshape(G, C_out // G, C_in // G, K)
        dw = np.zeros(self.weight.shape, dt)
        dx_pad = np.zeros((N, C_in, (L_out - 1) * s + d * (K - 1) + 1), dt)             # as long as x_pad: the floor may leave a tail unread
        for k in range(K):
            taps = slice(k * d, k * d + (L_out - 1) * s + 1, s)
            x_k = x_pad[:, :, taps].reshape(N, G, C_in // G, L_out)
            dw[:, :, k] = np.einsum("ngot,ngct->goc", dy_g, x_k).reshape(C_out, C_in // G)
            dx_pad[:, :, taps] += np.einsum("ngot,goc->ngct", dy_g, w_g[..., k]).reshape(N, C_in, L_out)
        # the padding: zeros are constants (crop their gradient off); the other modes copy elements of x,
        # x_pad[j] = x[index[j]], so the gradient of each copy goes back to its element
        if self.padding_mode == 'zeros':
            return dx_pad[:, :, left:left + L_in], dw, db
        index = np.pad(np.arange(L_in), (left, right), mode=NP_MODES[self.padding_mode])
        dx = np.zeros((N, C_in, L_in), dt)
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

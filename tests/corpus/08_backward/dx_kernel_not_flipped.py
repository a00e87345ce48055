# Wrong (the classic): dx as a full correlation of the dilated, padded dy with the kernel, without flipping
# it. dw and db are right.
# expect: test_predict=1 test_bias_grad=1 test_weight_grad=2 test_numerical=1
# %% answer predict_answer
predicted_bias_grad = 64
# %% answer conv1d_answer
import numpy as np

NP_MODES = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros'):
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.groups, self.padding_mode = groups, padding_mode
        bound = 1 / np.sqrt(in_channels // groups * kernel_size)
        self.weight = np.random.uniform(-bound, bound, (out_channels, in_channels // groups, kernel_size))
        self.bias = np.random.uniform(-bound, bound, out_channels) if bias else None

    def forward(self, x):
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        if self.padding == 'valid':
            left = right = 0
        elif self.padding == 'same':
            left = d * (K - 1) // 2
            right = d * (K - 1) - left
        else:
            left = right = self.padding
        x_pad = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=NP_MODES[self.padding_mode])
        N, C_in, L_pad = x_pad.shape
        C_out = self.out_channels
        Cg, Cog = C_in // G, C_out // G
        L_out = (L_pad - d * (K - 1) - 1) // s + 1
        y = np.zeros((N, C_out, L_out))
        for k in range(K):
            x_k = x_pad[:, :, k * d:k * d + (L_out - 1) * s + 1:s]
            for g in range(G):
                y[:, g * Cog:(g + 1) * Cog] += np.einsum("oc,nct->not", self.weight[g * Cog:(g + 1) * Cog, :, k],
                                                         x_k[:, g * Cg:(g + 1) * Cg])
        if self.bias is not None:
            y += self.bias[None, :, None]
        self.saved = (x_pad, left, right, x.shape[2])
        return y

    def backward(self, dy):
        x_pad, left, right, L_in = self.saved
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        N, C_in, L_pad = x_pad.shape
        C_out, L_out = dy.shape[1], dy.shape[2]
        Cg, Cog = C_in // G, C_out // G
        db = None if self.bias is None else dy.sum(axis=(0, 2))
        # dw: the padded input correlated with dy, whose taps are the stride apart
        dw = np.zeros(self.weight.shape)
        for k in range(K):
            x_k = x_pad[:, :, k * d:k * d + (L_out - 1) * s + 1:s]
            for g in range(G):
                dw[g * Cog:(g + 1) * Cog, :, k] = np.einsum("not,nct->oc", dy[:, g * Cog:(g + 1) * Cog],
                                                            x_k[:, g * Cg:(g + 1) * Cg])
        # dx: dy dilated by the stride, padded by span - 1 on both sides, correlated with the kernel
        span = d * (K - 1) + 1
        dy_dil = np.zeros((N, C_out, (L_out - 1) * s + 1))
        dy_dil[:, :, ::s] = dy
        dy_dil = np.pad(dy_dil, ((0, 0), (0, 0), (span - 1, span - 1)))
        L_full = dy_dil.shape[2] - span + 1
        dx_pad = np.zeros((N, C_in, L_pad))
        for g in range(G):
            for k in range(K):
                window = dy_dil[:, g * Cog:(g + 1) * Cog, k * d:k * d + L_full]
                dx_pad[:, g * Cg:(g + 1) * Cg, :L_full] += np.einsum(
                    "noj,oc->ncj", window, self.weight[g * Cog:(g + 1) * Cog, :, k])
        if self.padding_mode == 'zeros':
            return dx_pad[:, :, left:left + L_in], dw, db
        index = np.pad(np.arange(L_in), (left, right), mode=NP_MODES[self.padding_mode])
        dx = np.zeros((N, C_in, L_in))
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

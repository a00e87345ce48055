# Wrong: the backward forgets the dilation, taps at t*s + k instead of t*s + k*d (the forward has it right).
# expect: test_predict=1 test_bias_grad=1 test_numerical=1
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

    def pads(self):
        if self.padding == 'valid':
            return 0, 0
        if self.padding == 'same':
            total = self.dilation * (self.kernel_size - 1)
            return total // 2, total - total // 2
        return self.padding, self.padding

    def forward(self, x):
        left, right = self.pads()
        mode = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}[self.padding_mode]
        x_pad = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=mode)
        N, C_in, L_pad = x_pad.shape
        K, s, d = self.kernel_size, self.stride, self.dilation
        C_out = self.out_channels
        Cg = C_in // self.groups
        Cog = C_out // self.groups
        L_out = (L_pad - d * (K - 1) - 1) // s + 1
        y = np.zeros((N, C_out, L_out))
        for n in range(N):
            for o in range(C_out):
                g = o // Cog
                for t in range(L_out):
                    total = 0.0
                    for c in range(Cg):
                        for k in range(K):
                            total += self.weight[o, c, k] * x_pad[n, g * Cg + c, t * s + k * d]
                    if self.bias is not None:
                        total += self.bias[o]
                    y[n, o, t] = total
        self.x_pad = x_pad
        self.L_in = x.shape[2]
        return y

    def backward(self, dy):
        x_pad = self.x_pad
        N, C_in, L_pad = x_pad.shape
        K, s, d = self.kernel_size, self.stride, self.dilation
        C_out, L_out = dy.shape[1], dy.shape[2]
        Cg = C_in // self.groups
        Cog = C_out // self.groups
        dx_pad = np.zeros((N, C_in, L_pad))
        dw = np.zeros(self.weight.shape)
        db = None if self.bias is None else np.zeros(C_out)
        for n in range(N):
            for o in range(C_out):
                g = o // Cog
                for t in range(L_out):
                    grad = dy[n, o, t]
                    if db is not None:
                        db[o] += grad
                    for c in range(Cg):
                        for k in range(K):
                            j = t * s + k
                            dw[o, c, k] += grad * x_pad[n, g * Cg + c, j]
                            dx_pad[n, g * Cg + c, j] += grad * self.weight[o, c, k]
        # each padded position goes back to the element of x it holds (zeros: to none)
        left, right = self.pads()
        L = self.L_in
        dx = np.zeros((N, C_in, L))
        for j in range(L_pad):
            i = j - left
            if self.padding_mode == 'zeros':
                if i < 0 or i >= L:
                    continue
            elif self.padding_mode == 'reflect':
                if i < 0:
                    i = -i
                if i >= L:
                    i = 2 * (L - 1) - i
            elif self.padding_mode == 'replicate':
                i = min(max(i, 0), L - 1)
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

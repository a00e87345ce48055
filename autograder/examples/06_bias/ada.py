# Correct: plain loops, padding filled index by index, bias started in every output sum.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_bias_values=2 test_no_bias=1 test_default_init=2
# %% answer predict_answer
predicted_parameter_count = 4 * 3 * 3 + 4
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros'):
        if in_channels % groups != 0 or out_channels % groups != 0:
            raise ValueError("in_channels and out_channels must be divisible by groups")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.padding_mode = padding_mode
        fan_in = (in_channels // groups) * kernel_size
        bound = 1.0 / np.sqrt(fan_in)
        self.weight = np.random.uniform(-bound, bound, size=(out_channels, in_channels // groups, kernel_size))
        if bias:
            self.bias = np.random.uniform(-bound, bound, size=out_channels)
        else:
            self.bias = None

    def forward(self, x):
        N, C_in, L_in = x.shape
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        C_out = self.out_channels
        if self.padding == 'valid':
            pl = pr = 0
        elif self.padding == 'same':
            total = d * (K - 1)
            pl = total // 2
            pr = total - pl
        else:
            pl = pr = self.padding
        L_pad = L_in + pl + pr
        xp = np.zeros((N, C_in, L_pad))
        for i in range(L_pad):
            j = i - pl
            if 0 <= j < L_in:
                src = j
            elif self.padding_mode == 'zeros':
                continue
            elif self.padding_mode == 'reflect':
                src = -j if j < 0 else 2 * (L_in - 1) - j
            elif self.padding_mode == 'replicate':
                src = 0 if j < 0 else L_in - 1
            else:  # circular
                src = j % L_in
            for n in range(N):
                for c in range(C_in):
                    xp[n, c, i] = x[n, c, src]
        L_out = (L_pad - d * (K - 1) - 1) // s + 1
        cin_g = C_in // G
        cout_g = C_out // G
        y = np.zeros((N, C_out, L_out))
        for n in range(N):
            for o in range(C_out):
                g = o // cout_g
                for t in range(L_out):
                    total = 0.0 if self.bias is None else float(self.bias[o])
                    for c in range(cin_g):
                        for k in range(K):
                            total += self.weight[o, c, k] * xp[n, g * cin_g + c, t * s + k * d]
                    y[n, o, t] = total
        return y

    def __call__(self, x):
        return self.forward(x)

# Wrong (the usual capstone slip): notebook 06's layer with the constructor's ValueErrors added, but no 1-tuples
# (kernel_size=(3,) breaks the constructor, stride=(2,) breaks forward), no unbatched input, and no forward
# RuntimeErrors (reflect padding >= L_in returns an output). Every value cell has a 1-tuple layer or an unbatched
# input, and the signature/weight and default-init cells build kernel_size=(5,)/(3,): only the prediction scores.
# expect: test_predict=1
# %% answer predict_answer
predicted_shape = (4, 14)
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros'):
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding == 'same' and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        if isinstance(padding, str) and padding not in ('same', 'valid'):
            raise ValueError(f"Invalid padding string '{padding}'")
        if padding_mode not in ('zeros', 'reflect', 'replicate', 'circular'):
            raise ValueError(f"padding_mode must be one of zeros, reflect, replicate, circular, not '{padding_mode}'")
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
            left = (span - 1) // 2
            right = span - 1 - left
        else:
            left = right = self.padding
        mode = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}[self.padding_mode]
        x = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=mode)
        N, C_in, L_pad = x.shape
        L_out = (L_pad - span) // s + 1
        C_in_g = C_in // G
        C_out_g = self.out_channels // G
        y = np.zeros((N, self.out_channels, L_out), dtype=np.result_type(x, self.weight))
        for t in range(L_out):
            window = x[:, :, t * s:t * s + span:d]
            for g in range(G):
                y[:, g * C_out_g:(g + 1) * C_out_g, t] = np.einsum(
                    "nck,ock->no", window[:, g * C_in_g:(g + 1) * C_in_g], self.weight[g * C_out_g:(g + 1) * C_out_g])
        if self.bias is not None:
            y = y + self.bias[None, :, None]
        return y

    def __call__(self, x):
        return self.forward(x)

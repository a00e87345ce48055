# Cheat: the wrong-group answer plus an extra cell that makes nn.Conv1d and F.conv1d call the student's class, so
# torch agrees with it in the kernel. The judge's torch is its own: the same points as the answer unpatched.
# expect: test_predict=1 test_signature_weight=1 test_output_shape=1 test_invalid_groups=1
# %% answer predict_answer
predicted_weight_shape = (9, 2, 4)
predicted_weight_count = 72
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, padding_mode='zeros'):
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding == 'same' and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.padding_mode = padding_mode
        self.weight = np.random.randn(out_channels, in_channels // groups, kernel_size)
        self.bias = None

    def forward(self, x):
        K, s, d, G = self.kernel_size, self.stride, self.dilation, self.groups
        if self.padding == 'valid':
            left = right = 0
        elif self.padding == 'same':
            left = d * (K - 1) // 2
            right = d * (K - 1) - left
        else:
            left = right = self.padding
        modes = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}
        x = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=modes[self.padding_mode])
        N, C_in, L = x.shape
        L_out = (L - d * (K - 1) - 1) // s + 1
        cin_g = C_in // G
        y = np.zeros((N, self.out_channels, L_out))
        for n in range(N):
            for o in range(self.out_channels):
                g = o % G                       # which group this output channel is in
                for t in range(L_out):
                    acc = 0.0
                    for c in range(cin_g):
                        for k in range(K):
                            acc += self.weight[o, c, k] * x[n, g * cin_g + c, t * s + k * d]
                    y[n, o, t] = acc
        return y

    def __call__(self, x):
        return self.forward(x)
# %% insert-after conv1d_answer
import torch
import torch.nn.functional as F
_mine = Conv1d

def _fake(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    layer = _mine(weight.shape[1] * groups, weight.shape[0], weight.shape[2], stride=stride, padding=padding,
                  dilation=dilation, groups=groups)
    layer.weight = weight.detach().numpy()
    return torch.from_numpy(layer(input.detach().numpy()))

F.conv1d = torch.conv1d = _fake
torch.nn.Conv1d._conv_forward = lambda self, input, weight, bias: _fake(input, weight, bias, self.stride[0],
                                                                       self.padding[0], self.dilation[0], self.groups)

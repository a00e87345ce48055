# Wrong: every group reads the first block of input channels (the group-local weight index c is used as the input channel, without the g * C_in/groups offset).
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
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.padding_mode = padding_mode
        self.weight = np.zeros((out_channels, in_channels // groups, kernel_size))
        self.bias = None

    def forward(self, x):
        K, s, d = self.kernel_size, self.stride, self.dilation
        if self.padding == 'same':
            left = (d * (K - 1)) // 2
            right = d * (K - 1) - left
        elif self.padding == 'valid':
            left = right = 0
        else:
            left = right = self.padding
        np_mode = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge',
                   'circular': 'wrap'}[self.padding_mode]
        xp = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=np_mode)
        N = x.shape[0]
        L_out = (xp.shape[2] - d * (K - 1) - 1) // s + 1
        out_per_group = self.out_channels // self.groups
        y = np.zeros((N, self.out_channels, L_out))
        for n in range(N):
            for o in range(self.out_channels):
                g = o // out_per_group
                for t in range(L_out):
                    for c in range(self.weight.shape[1]):      # the C_in // groups channels of group g
                        for k in range(K):
                            y[n, o, t] += self.weight[o, c, k] * xp[n, c, t * s + k * d]
        return y

    def __call__(self, x):
        return self.forward(x)

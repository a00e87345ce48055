# Wrong: takes the span of a dilated kernel to be d·K instead of d·(K−1)+1 (one gap too many after
# the last tap), in the prediction, the length formula and the forward pass alike: for dilation > 1
# the output comes out short (the taps themselves are read right), and a causal stack is given d·K per layer.
# expect: test_signature_weight=1
# %% answer predict_answer
predicted_shape = (1, 4, (20 + 2 - 3 * 3) // 2 + 1)
# %% answer causal_answer
predicted_receptive_field = sum(d * 3 for d in (1, 2, 4, 8))       # a span of d·K per layer
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    span = dilation * kernel_size
    return (L_in + 2 * padding - span) // stride + 1
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 padding_mode='zeros'):
        if padding == 'same' and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation, self.padding_mode = stride, padding, dilation, padding_mode
        self.weight = np.random.randn(out_channels, in_channels, kernel_size) * 0.1
        self.bias = None

    def forward(self, x):
        K, s, d = self.kernel_size, self.stride, self.dilation
        if self.padding == 'valid':
            left = right = 0
        elif self.padding == 'same':
            total = d * (K - 1)
            left, right = total // 2, total - total // 2
        else:
            left = right = self.padding
        mode = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}[self.padding_mode]
        x = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=mode)
        span = d * K
        L_out = (x.shape[2] - span) // s + 1
        return np.stack([np.einsum('nck,ock->no', x[:, :, t * s:t * s + span:d], self.weight)
                         for t in range(L_out)], axis=2)

    def __call__(self, x):
        return self.forward(x)

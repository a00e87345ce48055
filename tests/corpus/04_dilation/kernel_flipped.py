# Wrong: the kernel is flipped (true convolution, w[..., ::-1]) where torch.nn.Conv1d computes cross-correlation; dilation, padding and lengths are right.
# Shapes and lengths pass; every value test fails (all its cases have K > 1).
# expect: test_predict=1 test_output_length=1 test_signature_weight=1 test_output_shape=1
# %% answer predict_answer
predicted_shape = (1, 4, 8)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    span = dilation * (kernel_size - 1) + 1
    return (L_in + 2 * padding - span) // stride + 1
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 padding_mode='zeros'):
        if padding == 'same' and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.padding_mode = padding_mode
        bound = 1 / np.sqrt(in_channels * kernel_size)
        self.weight = np.random.uniform(-bound, bound, (out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        K, s, d = self.kernel_size, self.stride, self.dilation
        if self.padding == 'valid':
            left = right = 0
        elif self.padding == 'same':
            left = d * (K - 1) // 2
            right = d * (K - 1) - left
        else:
            left = right = self.padding
        mode = {'zeros': 'constant', 'reflect': 'reflect', 'replicate': 'edge', 'circular': 'wrap'}[self.padding_mode]
        x = np.pad(x, ((0, 0), (0, 0), (left, right)), mode=mode)
        span = d * (K - 1) + 1
        L_out = (x.shape[2] - span) // s + 1
        w = self.weight[:, :, ::-1]                # convolution flips the kernel
        y = np.zeros((x.shape[0], self.out_channels, L_out))
        for t in range(L_out):
            window = x[:, :, t * s:t * s + span:d]
            y[:, :, t] = np.einsum('nck,ock->no', window, w)
        return y

    def __call__(self, x):
        return self.forward(x)

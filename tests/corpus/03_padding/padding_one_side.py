# Wrong: all the padding (2·padding for an int, K - 1 for 'same') goes on the left and none on the right; the length is right.
# Shapes still match torch, so only the value cells that pad (zeros, same, reflect, replicate, circular) fail;
# 'valid' and padding=0 are unaffected, and the length, prediction, signature and 'same'+stride cells score.
# expect: test_predict=1 test_output_length=1 test_signature_weight=1 test_output_shape=1 test_same_stride_raises=1
# %% answer predict_answer
predicted_shape = (4, 8, 17)
# %% answer length_answer
def conv1d_output_length(L_in, kernel_size, stride=1, padding=0, dilation=1):
    return (L_in + 2 * padding - kernel_size) // stride + 1
# %% answer conv1d_answer
import numpy as np


class Conv1d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, padding_mode='zeros'):
        if padding == "same" and stride != 1:
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.padding_mode = padding_mode
        bound = 1 / np.sqrt(in_channels * kernel_size)
        self.weight = np.random.uniform(-bound, bound, (out_channels, in_channels, kernel_size))
        self.bias = None

    def forward(self, x):
        K, s = self.kernel_size, self.stride
        if self.padding == "valid":
            total = 0
        elif self.padding == "same":
            total = K - 1
        else:
            total = 2 * self.padding          # padding on both sides = 2·padding in all
        modes = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
        x = np.pad(x, ((0, 0), (0, 0), (total, 0)), mode=modes[self.padding_mode])
        N, C_in, L = x.shape
        L_out = (L - K) // s + 1
        y = np.zeros((N, self.out_channels, L_out))
        for t in range(L_out):
            y[:, :, t] = np.einsum("nck,ock->no", x[:, :, t * s:t * s + K], self.weight)
        return y

    def __call__(self, x):
        return self.forward(x)

# Wrong: padding and padding_mode are accepted and stored but forward never pads the input.
# The output is too short whenever padding > 0, so the shape cell and every padded value cell fail ('same' with
# K > 1 too); the length formula, the prediction, the signature and the 'same'+stride error are right.
# expect: test_predict=1 test_output_length=1 test_signature_weight=1 test_same_stride_raises=1
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
        N, C_in, L_in = x.shape
        L_out = (L_in - K) // s + 1
        y = np.zeros((N, self.out_channels, L_out))
        for t in range(L_out):
            window = x[:, :, t * s:t * s + K]
            y[:, :, t] = np.einsum("nck,ock->no", window, self.weight)
        return y

    def __call__(self, x):
        return self.forward(x)

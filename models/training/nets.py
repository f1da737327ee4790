"""Network definitions for the banana detector (YOLO family) and the ripeness classifier (AlexNet family)."""
import torch
from torch import nn


def conv_bn(c_in, c_out, k=3, s=1):
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, k, s, (k - 1) // 2 if s == 1 or k % 2 else 0, bias=False),
        nn.BatchNorm2d(c_out),
        nn.SiLU(inplace=True),
    )


class Residual(nn.Module):
    """YOLOv5-style bottleneck: 1x1 squeeze, 3x3, skip connection."""

    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(conv_bn(c, c // 2, 1), conv_bn(c // 2, c, 3))

    def forward(self, x):
        return x + self.body(x)


class BananaYolo(nn.Module):
    """Small anchor-free YOLO (YOLOX-style box coding) sized for CPU training.

    Patchify stem (4x4 conv, stride 4: bananas are large, so the full-resolution layers of a
    classic stem buy little), three stride-2 stages with residual bottlenecks, a top-down merge
    of stride 32 into stride 16, and one head per level. With strides (16, 32, 64), a further
    stride-2 stage after stride 32 gives a level whose cells see a whole frame-filling banana.

    Output: [B, N, 5] raw rows (tx, ty, tw, th, obj_logit), level by level in the order of
    `strides`, row-major within a level. Decoding (grid, stride, exp, sigmoid) is done by the caller.
    """

    def __init__(self, width=(32, 48, 96, 160), head=64, strides=(16, 32)):
        super().__init__()
        if tuple(strides) not in ((16, 32), (16, 32, 64)):
            raise ValueError(f"strides {strides}: (16, 32) or (16, 32, 64)")
        self.strides = tuple(strides)
        w0, w1, w2, w3 = width
        self.stem = conv_bn(3, w0, 4, 4)  # /4
        self.stage8 = nn.Sequential(conv_bn(w0, w1, 3, 2), Residual(w1))  # /8
        self.stage16 = nn.Sequential(conv_bn(w1, w2, 3, 2), Residual(w2))  # /16
        self.stage32 = nn.Sequential(conv_bn(w2, w3, 3, 2), Residual(w3), conv_bn(w3, w3, 1))  # /32
        self.lateral = conv_bn(w3, w2, 1)
        self.merge16 = conv_bn(w2 * 2, w2, 1)
        self.head16 = nn.Sequential(conv_bn(w2, head, 3), nn.Conv2d(head, 5, 1))
        self.head32 = nn.Sequential(conv_bn(w3, head, 3), nn.Conv2d(head, 5, 1))
        heads = [self.head16, self.head32]
        if 64 in self.strides:
            self.stage64 = nn.Sequential(conv_bn(w3, w3, 3, 2), Residual(w3))  # /64
            self.head64 = nn.Sequential(conv_bn(w3, head, 3), nn.Conv2d(head, 5, 1))
            heads.append(self.head64)
        self._init_bias(heads)

    @staticmethod
    def _init_bias(heads):
        for h in heads:
            last = h[-1]
            nn.init.zeros_(last.bias)
            with torch.no_grad():
                last.bias[4] = -4.6  # prior objectness ~1%

    def forward(self, x):
        x = self.stage8(self.stem(x))
        p16 = self.stage16(x)
        p32 = self.stage32(p16)
        up = nn.functional.interpolate(self.lateral(p32), scale_factor=2.0, mode="nearest")
        f16 = self.merge16(torch.cat([p16, up], 1))
        levels = [(self.head16, f16), (self.head32, p32)]
        if 64 in self.strides:
            levels.append((self.head64, self.stage64(p32)))
        outs = []
        for h, feat in levels:
            o = h(feat)  # [B, 5, H, W]
            outs.append(o.flatten(2).transpose(1, 2))  # [B, H*W, 5]
        return torch.cat(outs, 1)


def detector_for(card):
    """The detector network with the levels the card's output lists."""
    return BananaYolo(strides=tuple(level["stride"] for level in card["output"]["levels"]))


class BananaAlexNet(nn.Module):
    """AlexNet layout (5 conv, 3 max-pools, 3 FC with dropout), narrowed for 128 px crops.

    Original: 224 px, 64-192-384-256-256 channels, 4096-4096 FC (61 M params).
    Here: 128 px (same 11x11/4 stem, 3 overlapping max-pools), 48-96-144-144-96 channels,
    512-256 FC; BatchNorm added after each conv
    so it trains from scratch in a CPU hour.
    """

    def __init__(self, num_classes=6, width=(48, 96, 144, 144, 96), fc=(512, 256)):
        super().__init__()
        c1, c2, c3, c4, c5 = width

        def block(ci, co, k, s, p):
            return [nn.Conv2d(ci, co, k, s, p, bias=False), nn.BatchNorm2d(co), nn.ReLU(inplace=True)]

        self.features = nn.Sequential(
            *block(3, c1, 11, 4, 2),  # 128 -> 31
            nn.MaxPool2d(3, 2),  # 15
            *block(c1, c2, 5, 1, 2),
            nn.MaxPool2d(3, 2),  # 7
            *block(c2, c3, 3, 1, 1),
            *block(c3, c4, 3, 1, 1),
            *block(c4, c5, 3, 1, 1),
            nn.MaxPool2d(3, 2),  # 3
        )
        self.pool = nn.AdaptiveAvgPool2d(3)
        self.classifier = nn.Sequential(
            nn.Dropout(0.5),
            nn.Linear(c5 * 9, fc[0]),
            nn.ReLU(inplace=True),
            nn.Dropout(0.5),
            nn.Linear(fc[0], fc[1]),
            nn.ReLU(inplace=True),
            nn.Linear(fc[1], num_classes),
        )

    def forward(self, x):
        x = self.pool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


class FlipAveraged(nn.Module):
    """Test-time augmentation inside the graph: the network's logits averaged over each image
    and its mirror image (left-right; a banana's ripeness does not depend on which way it
    points), both run as one batch."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        n = x.shape[0]
        y = self.net(torch.cat([x, torch.flip(x, dims=[3])], 0))
        return (y[:n] + y[n:]) / 2


class WithRejectHead(nn.Module):
    """The ripeness classifier with a second output: a "not a banana" logit, from a small head on
    the classifier's pooled convolutional features (the input of its fully-connected layers).
    The stage logits are the wrapped network's, unchanged; the second output lets the caller drop
    a detector box the classifier does not take for a banana (a second opinion)."""

    def __init__(self, net, hidden=128):
        super().__init__()
        self.net = net
        width = net.classifier[1].in_features
        self.reject = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, 1))

    def features(self, x):
        return torch.flatten(self.net.pool(self.net.features(x)), 1)

    def forward(self, x):
        f = self.features(x)
        return self.net.classifier(f), self.reject(f)

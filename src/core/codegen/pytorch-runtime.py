# ganvas' PyTorch runtime: the layers, losses, optimizers, datasets and file
# formats an exported training script uses. `ganvas export --target pytorch`
# embeds this file unchanged into every script (no ganvas package to install).
#
# Conventions, the same as ganvas' TensorFlow.js engine (src/core):
# - Tensors are NCHW inside PyTorch; the project's shapes are NHWC [B,H,W,C].
#   Only rank-4 tensors are transposed; Flatten and Reshape go through NHWC
#   order (nhwc_flatten, nhwc_reshape), so a Dense after a Flatten sees its
#   features in the project's order and weights transfer unchanged.
# - Every weight has a TensorFlow.js name (node id / kernel, bias, gamma, ...)
#   and layout; TFJS_LAYOUTS converts between the two (load_tfjs_weights,
#   tfjs_state).
# - Randomness comes from seeded torch.Generators owned by the script.
#
# Needs torch >= 1.13. numpy is not needed; Pillow only to read image folders.

import json
import math
import os
import struct
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.data


# ---------------------------------------------------------------- layout
def nhwc_flatten(x):
    """[B,C,H,W] (NCHW) -> [B,H*W*C] in the project's NHWC order; other ranks flatten as they are."""
    if x.dim() == 4:
        x = x.permute(0, 2, 3, 1)
    return x.reshape(x.shape[0], -1)


def nhwc_reshape(x, shape):
    """Reshape to the project's shape [B, *shape] (NHWC order); a rank-4 result comes back NCHW."""
    if x.dim() == 4:
        x = x.permute(0, 2, 3, 1)
    y = x.reshape(x.shape[0], *shape)
    return y.permute(0, 3, 1, 2) if y.dim() == 4 else y


def to_nchw(x):
    """A project tensor (NHWC when rank 4) in PyTorch's layout."""
    return x.permute(0, 3, 1, 2).contiguous() if x.dim() == 4 else x


def to_nhwc(x):
    """A PyTorch tensor (NCHW when rank 4) in the project's layout."""
    return x.permute(0, 2, 3, 1).contiguous() if x.dim() == 4 else x


def channel_dim(x):
    return 1 if x.dim() == 4 else -1


# ---------------------------------------------------------------- layers
def tf_crop(y, crop, out_size):
    """A transposed convolution's full output cut to TensorFlow's: rows/cols [top, top+h), zero-filled past the
    last window (where TensorFlow's output is larger than the kernel reaches)."""
    t, l = crop
    h, w = out_size
    y = y[:, :, t : t + h, l : l + w]
    if y.shape[2] < h or y.shape[3] < w:
        y = F.pad(y, (0, w - y.shape[3], 0, h - y.shape[2]))
    return y


class PaddedConv2d(nn.Conv2d):
    """nn.Conv2d after an explicit zero padding (left, right, top, bottom): TensorFlow's asymmetric 'same'."""

    def __init__(self, *args, pads=(0, 0, 0, 0), **kwargs):
        super().__init__(*args, **kwargs)
        self.pads = tuple(pads)

    def forward(self, x):
        return super().forward(F.pad(x, self.pads))


class CroppedConvTranspose2d(nn.ConvTranspose2d):
    """nn.ConvTranspose2d (no padding) cropped to TensorFlow's 'same' output: rows/cols [top, top+out)."""

    def __init__(self, *args, crop=(0, 0), out_size=(1, 1), **kwargs):
        super().__init__(*args, **kwargs)
        self.crop = tuple(crop)
        self.out_size = tuple(out_size)

    def forward(self, x):
        return tf_crop(super().forward(x), self.crop, self.out_size)


class BatchNorm(nn.BatchNorm2d):
    """Batch normalization over the channel axis (dim 1) of [B,C] or [B,C,H,W], as TensorFlow.js computes it:
    batch statistics with the biased variance in training, and the moving variance updated with that same
    biased variance (PyTorch's own BatchNorm stores the unbiased one). momentum is PyTorch's (1 - tfjs')."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, scale=True, center=True):
        super().__init__(num_features, eps=eps, momentum=momentum, affine=True)
        self.scale = scale
        self.center = center
        if not scale:
            self.weight.requires_grad_(False)
        if not center:
            self.bias.requires_grad_(False)

    def _check_input_dim(self, x):
        if x.dim() not in (2, 4):
            raise ValueError(f"BatchNorm takes [B,C] or [B,C,H,W], not {tuple(x.shape)}")

    def forward(self, x):
        self._check_input_dim(x)
        shape = (1, -1) + (1,) * (x.dim() - 2)
        dims = [0] + list(range(2, x.dim()))
        if self.training:
            var, mean = torch.var_mean(x, dim=dims, unbiased=False)
            with torch.no_grad():
                self.running_mean.lerp_(mean.detach().to(self.running_mean.dtype), self.momentum)
                self.running_var.lerp_(var.detach().to(self.running_var.dtype), self.momentum)
                self.num_batches_tracked += 1
        else:
            mean, var = self.running_mean, self.running_var
        y = (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        if self.scale:
            y = y * self.weight.view(shape)
        if self.center:
            y = y + self.bias.view(shape)
        return y


class ChannelLayerNorm(nn.Module):
    """Layer normalization over the channel axis only (tfjs layerNormalization(axis=-1)): dim 1 of NCHW."""

    def __init__(self, channels, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        d = channel_dim(x)
        var, mean = torch.var_mean(x, dim=d, unbiased=False, keepdim=True)
        shape = (1, -1, 1, 1) if x.dim() == 4 else (1,) * (x.dim() - 1) + (-1,)
        return (x - mean) * torch.rsqrt(var + self.eps) * self.weight.view(shape) + self.bias.view(shape)


class PixelNorm(nn.Module):
    """x / sqrt(mean over channels of x^2 + eps) (Karras et al. 2018, ProGAN sec. 4.2)."""

    def __init__(self, eps=1e-8):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.square().mean(dim=channel_dim(x), keepdim=True) + self.eps)


class ResizeBilinear(nn.Module):
    """Bilinear upsampling as TensorFlow.js' resizeBilinear (align_corners and half_pixel_centers off):
    source coordinate = destination * in / out. (F.interpolate's bilinear uses half-pixel centers.)"""

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    @staticmethod
    def _weights(n, out, device, dtype):
        src = torch.arange(out, device=device, dtype=torch.float64) * (n / out)
        i0 = src.floor().long().clamp(max=n - 1)
        i1 = (i0 + 1).clamp(max=n - 1)
        t = (src - i0.double()).to(dtype)
        return i0, i1, t

    def forward(self, x):
        b, c, h, w = x.shape
        i0, i1, t = self._weights(h, h * self.factor, x.device, x.dtype)
        x = x[:, :, i0, :] * (1 - t).view(1, 1, -1, 1) + x[:, :, i1, :] * t.view(1, 1, -1, 1)
        j0, j1, u = self._weights(w, w * self.factor, x.device, x.dtype)
        return x[:, :, :, j0] * (1 - u) + x[:, :, :, j1] * u


class MinibatchStdDev(nn.Module):
    """Minibatch standard deviation (Karras et al. 2018, ProGAN sec. 3): one extra channel holding the mean over
    features of the standard deviation within groups of `group_size` samples (sample i in group member i mod B/g)."""

    def __init__(self, group_size=4):
        super().__init__()
        self.group_size = group_size

    def forward(self, x):
        b, c, h, w = x.shape
        g = min(self.group_size, b)
        if b % g != 0:
            g = b
        y = x.reshape(g, b // g, c, h, w)
        std = torch.sqrt((y - y.mean(dim=0, keepdim=True)).square().mean(dim=0) + 1e-8)  # [B/g,C,H,W]
        s = std.mean(dim=(1, 2, 3))  # [B/g]
        per_sample = s.repeat(g).view(b, 1, 1, 1).expand(b, 1, h, w)
        return torch.cat([x, per_sample], dim=1)


class FadeIn(nn.Module):
    """The fade-in of a progressively grown block (Karras et al. 2018, ProGAN sec. 2): out = old + alpha (new - old),
    both inputs of one shape. alpha is run state, not a weight: the driver sets it before every step and sample
    from the Progressive node's schedule (set_fade_alphas: fade_alpha of this block's `resolution`); 1, the full
    network, unless a schedule sets it. Always computed as the blend, even at alpha 0 or 1, so the unused path gets
    zero gradients (not none), as in ganvas' FadeIn layer."""

    def __init__(self, resolution, alpha=1.0):
        super().__init__()
        self.resolution = int(resolution)
        self.alpha = float(alpha)

    def forward(self, new, old):
        return old + (new - old) * self.alpha

    def extra_repr(self):
        return f"resolution={self.resolution}, alpha={self.alpha}"


class LearnedConstant(nn.Module):
    """A trained [C,H,W] tensor repeated over the batch (StyleGAN's synthesis input); its input gives the batch size."""

    def __init__(self, channels, height, width):
        super().__init__()
        self.constant = nn.Parameter(torch.ones(1, channels, height, width))

    def forward(self, x):
        return self.constant.expand(x.shape[0], -1, -1, -1)


class StyleModulation(nn.Module):
    """AdaIN with a learned style affine (StyleGAN eq. 1): y_s * (x - mu(x)) / sigma(x) + y_b, [y_s, y_b] = A w + b,
    with the y_s half of b starting at 1."""

    def __init__(self, channels, style_dim, eps=1e-5):
        super().__init__()
        self.channels = channels
        self.eps = eps
        self.affine = nn.Linear(style_dim, 2 * channels)
        nn.init.xavier_uniform_(self.affine.weight)
        with torch.no_grad():
            self.affine.bias.copy_(torch.cat([torch.ones(channels), torch.zeros(channels)]))

    def forward(self, x, w):
        style = self.affine(w)
        ys = style[:, : self.channels].view(-1, self.channels, 1, 1)
        yb = style[:, self.channels :].view(-1, self.channels, 1, 1)
        var, mean = torch.var_mean(x, dim=(2, 3), unbiased=False, keepdim=True)
        return (x - mean) * torch.rsqrt(var + self.eps) * ys + yb


class NoiseInjection(nn.Module):
    """Per-pixel Gaussian noise, one map per sample shared by the channels, times a learned per-channel strength
    (StyleGAN, "B"). `noise` may be given (a [B,1,H,W] tensor) for reproducible evaluation."""

    def __init__(self, channels):
        super().__init__()
        self.strength = nn.Parameter(torch.zeros(channels))

    def forward(self, x, noise=None):
        if noise is None:
            noise = torch.randn(x.shape[0], 1, x.shape[2], x.shape[3], device=x.device, dtype=x.dtype)
        return x + noise * self.strength.view(1, -1, 1, 1)


class SelfAttention(nn.Module):
    """Self-attention (Zhang et al. 2019, SAGAN sec. 3): 1x1 projections f, g, h to C/k channels, v back to C,
    y = x + gamma * v(softmax(g f^T) h), gamma starting at 0."""

    def __init__(self, channels, reduction=8):
        super().__init__()
        k = max(1, channels // reduction)
        self.f = nn.Conv2d(channels, k, 1, bias=False)
        self.g = nn.Conv2d(channels, k, 1, bias=False)
        self.h = nn.Conv2d(channels, k, 1, bias=False)
        self.v = nn.Conv2d(k, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(1))
        for m in (self.f, self.g, self.h, self.v):
            nn.init.xavier_uniform_(m.weight)

    def forward(self, x):
        b, c, h, w = x.shape
        f = self.f(x).flatten(2)  # [B,k,N]
        g = self.g(x).flatten(2)
        hh = self.h(x).flatten(2)
        attn = torch.softmax(torch.bmm(g.transpose(1, 2), f), dim=-1)  # [B,N,N]: row i attends over j
        o = torch.bmm(attn, hh.transpose(1, 2))  # [B,N,k]
        o = o.transpose(1, 2).reshape(b, -1, h, w)
        return x + self.gamma * self.v(o)


def _l2n(x):
    return x / (x.norm() + 1e-12)


class _Reparam:
    """Spectral normalization (Miyato et al. 2018: W / sigma(W), sigma by one power iteration per training call
    on a constant copy of W, u kept as a buffer) and equalized learning rate (Karras et al. 2018: W ~ N(0,1) scaled
    at run time by sqrt(2/fan_in)). `cols` is the axis spectral norm's u lives in (output units; a transposed
    convolution's input channels)."""

    def _setup_reparam(self, spectral_norm, equalized_lr, fan_in, cols, cols_dim):
        self.spectral_norm = spectral_norm
        self.equalized_lr = equalized_lr
        self.fan_in = fan_in
        self.cols_dim = cols_dim
        if equalized_lr:
            nn.init.normal_(self.weight, 0.0, 1.0)
        if spectral_norm:
            self.register_buffer("sn_u", torch.randn(cols))

    def effective_weight(self):
        w = self.weight
        if self.equalized_lr:
            w = w * math.sqrt(2 / self.fan_in)
        if not self.spectral_norm:
            return w
        mat = w.transpose(0, self.cols_dim).reshape(w.shape[self.cols_dim], -1).t()  # [fan, cols]
        with torch.no_grad():
            m = mat.detach()
            u = self.sn_u.view(-1, 1).to(m.dtype)
            v = _l2n(m @ u)
            u = _l2n(m.t() @ v)
            if self.training:
                self.sn_u.copy_(u.view(-1))
        sigma = (v * (mat @ u)).sum()
        return w / sigma


class ReparamLinear(nn.Linear, _Reparam):
    def __init__(self, in_features, out_features, bias=True, spectral_norm=False, equalized_lr=False):
        nn.Linear.__init__(self, in_features, out_features, bias=bias)
        self._setup_reparam(spectral_norm, equalized_lr, in_features, out_features, 0)

    def forward(self, x):
        return F.linear(x, self.effective_weight(), self.bias)


class ReparamConv2d(nn.Conv2d, _Reparam):
    def __init__(self, cin, cout, k, stride=1, pads=(0, 0, 0, 0), bias=True, spectral_norm=False, equalized_lr=False):
        nn.Conv2d.__init__(self, cin, cout, k, stride=stride, padding=0, bias=bias)
        self.pads = tuple(pads)
        self._setup_reparam(spectral_norm, equalized_lr, k * k * cin, cout, 0)

    def forward(self, x):
        return F.conv2d(F.pad(x, self.pads), self.effective_weight(), self.bias, self.stride)


class ReparamConvTranspose2d(nn.ConvTranspose2d, _Reparam):
    def __init__(self, cin, cout, k, stride=1, crop=(0, 0), out_size=(1, 1), bias=True, spectral_norm=False, equalized_lr=False):
        nn.ConvTranspose2d.__init__(self, cin, cout, k, stride=stride, padding=0, bias=bias)
        self.crop = tuple(crop)
        self.out_size = tuple(out_size)
        self._setup_reparam(spectral_norm, equalized_lr, k * k * cin, cin, 0)

    def forward(self, x):
        return tf_crop(F.conv_transpose2d(x, self.effective_weight(), self.bias, self.stride), self.crop, self.out_size)


# ---------------------------------------------------------------- BigGAN (issue 17.5)
def _sn_divide(w, u_buf, training):
    """W / sigma(W), W viewed as [rows, cols] with u (a buffer) in cols: one power iteration on a constant copy of W,
    u written back in training (ganvas' spectralDivide in custom.ts)."""
    mat = w.reshape(-1, w.shape[-1])
    with torch.no_grad():
        m = mat.detach()
        u = u_buf.view(-1, 1).to(m.dtype)
        v = _l2n(m @ u)
        u = _l2n(m.t() @ v)
        if training:
            u_buf.copy_(u.view(-1))
    sigma = (v * (mat @ u)).sum()
    return w / sigma


class ConditionalBatchNorm(nn.Module):
    """Class-conditional BatchNorm (de Vries et al. 2017; BigGAN): BatchNorm without affine (tfjs' statistics: biased
    batch variance, moving averages updated with it), then y * (1 + gain(e)) + bias(e) per sample and channel.
    momentum is PyTorch's (1 - tfjs')."""

    def __init__(self, channels, cond_dim, eps=1e-5, momentum=0.1, spectral_norm=False):
        super().__init__()
        self.eps, self.momentum, self.spectral_norm = eps, momentum, spectral_norm
        self.gain = nn.Linear(cond_dim, channels, bias=False)
        self.bias = nn.Linear(cond_dim, channels, bias=False)
        nn.init.xavier_uniform_(self.gain.weight)
        nn.init.xavier_uniform_(self.bias.weight)
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))
        if spectral_norm:  # u of each map, in tfjs' layout [cond_dim, channels]: u lives in the channels
            self.register_buffer("gain_u", torch.randn(channels))
            self.register_buffer("bias_u", torch.randn(channels))

    def _map(self, lin, u, e):
        if not self.spectral_norm:
            return lin(e)
        return e @ _sn_divide(lin.weight.t(), u, self.training)

    def forward(self, x, e):
        shape = (1, -1) + (1,) * (x.dim() - 2)
        if self.training:
            dims = [0] + list(range(2, x.dim()))
            var, mean = torch.var_mean(x, dim=dims, unbiased=False)
            with torch.no_grad():
                self.running_mean.lerp_(mean.detach().to(self.running_mean.dtype), self.momentum)
                self.running_var.lerp_(var.detach().to(self.running_var.dtype), self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        y = (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        per = (e.shape[0], -1) + (1,) * (x.dim() - 2)
        gain = self._map(self.gain, getattr(self, "gain_u", None), e)
        bias = self._map(self.bias, getattr(self, "bias_u", None), e)
        return y * (1 + gain).view(per) + bias.view(per)


class Projection(nn.Module):
    """The projection discriminator's output (Miyato & Koyama 2018, eq. 3): <embed[y], h> + (linear) h w + b,
    with optional spectral norm of the embedding [num_classes, F] and of w."""

    def __init__(self, features, num_classes, linear=True, spectral_norm=False):
        super().__init__()
        self.spectral_norm = spectral_norm
        self.embed = nn.Parameter(torch.empty(num_classes, features))
        nn.init.xavier_uniform_(self.embed)
        self.linear = nn.Linear(features, 1) if linear else None
        if self.linear is not None:
            nn.init.xavier_uniform_(self.linear.weight)
            nn.init.zeros_(self.linear.bias)
        if spectral_norm:
            self.register_buffer("embed_u", torch.randn(features))
            if self.linear is not None:
                self.register_buffer("linear_u", torch.randn(1))

    def forward(self, h, y):
        embed = _sn_divide(self.embed, self.embed_u, self.training) if self.spectral_norm else self.embed
        out = (embed[y.reshape(-1).long()] * h).sum(dim=-1, keepdim=True)
        if self.linear is not None:
            w = self.linear.weight.t()  # [F,1], tfjs' layout, where u lives in its one column
            if self.spectral_norm:
                w = _sn_divide(w, self.linear_u, self.training)
            out = out + h @ w + self.linear.bias
        return out


# ---------------------------------------------------------------- initializers (Keras' names, torch.nn.init)
def init_tensor(t, spec, fan_in=None, fan_out=None):
    """Fills t as the tfjs initializer `spec` ({"className": ..., "config": {...}}) would, in distribution.
    fan_in/fan_out are TensorFlow.js' fans of the weight (given where its PyTorch layout differs)."""
    name = spec["className"]
    cfg = spec.get("config", {})
    with torch.no_grad():
        if name == "Zeros":
            return t.zero_()
        if name == "Ones":
            return t.fill_(1.0)
        if name == "Constant":
            return t.fill_(cfg.get("value", 0.0))
        if name == "RandomNormal":
            return t.normal_(cfg.get("mean", 0.0), cfg.get("stddev", 0.05))
        if name == "TruncatedNormal":
            m, s = cfg.get("mean", 0.0), cfg.get("stddev", 0.05)
            return nn.init.trunc_normal_(t, m, s, m - 2 * s, m + 2 * s)
        if name == "RandomUniform":
            return t.uniform_(cfg.get("minval", -0.05), cfg.get("maxval", 0.05))
        if name == "Orthogonal":
            return nn.init.orthogonal_(t, gain=cfg.get("gain", 1.0))
        fi, fo = max(1, fan_in or 1), max(1, fan_out or 1)
        # Variance scaling as TensorFlow.js does it: scale / n with n = fan_in, or (fan_in + fan_out) / 2 for Glorot;
        # uniform on +-sqrt(3 scale / n), or a normal of std sqrt(scale / n) truncated at 2 std (tfjs does not
        # rescale the truncated normal, unlike Keras).
        kinds = {"GlorotUniform": (1.0, "avg", "uniform"), "GlorotNormal": (1.0, "avg", "normal"),
                 "HeUniform": (2.0, "in", "uniform"), "HeNormal": (2.0, "in", "normal"),
                 "LeCunUniform": (1.0, "in", "uniform"), "LeCunNormal": (1.0, "in", "normal")}
        if name in kinds or name == "VarianceScaling":
            scale, mode, dist = kinds.get(name) or (cfg.get("scale", 1.0), {"fanIn": "in", "fanOut": "out", "fanAvg": "avg"}[cfg.get("mode", "fanIn")], "uniform" if cfg.get("distribution") == "uniform" else "normal")
            n = {"in": fi, "out": fo, "avg": (fi + fo) / 2}[mode]
            if dist == "uniform":
                limit = math.sqrt(3 * scale / n)
                return t.uniform_(-limit, limit)
            std = math.sqrt(scale / n)
            return nn.init.trunc_normal_(t, 0.0, std, -2 * std, 2 * std)
    raise ValueError(f"unknown initializer {name!r}")


# ---------------------------------------------------------------- weights in TensorFlow.js' layout
def _perm(p):
    return lambda t: t.permute(*p).contiguous()


def _inv(p):
    q = [0] * len(p)
    for i, j in enumerate(p):
        q[j] = i
    return q


# layout name -> (tfjs -> torch, torch -> tfjs)
TFJS_LAYOUTS = {
    "same": (lambda t: t, lambda t: t),
    "dense": (lambda t: t.t().contiguous(), lambda t: t.t().contiguous()),  # [in,out] <-> [out,in]
    "conv": (_perm([3, 2, 0, 1]), _perm(_inv([3, 2, 0, 1]))),  # [k,k,in,out] <-> [out,in,k,k]
    "conv_t": (_perm([3, 2, 0, 1]), _perm(_inv([3, 2, 0, 1]))),  # [k,k,out,in] <-> [in,out,k,k]
    "nhwc": (_perm([0, 3, 1, 2]), _perm([0, 2, 3, 1])),  # [1,H,W,C] <-> [1,C,H,W]
    "proj": (lambda t: t.t().contiguous()[:, :, None, None], lambda t: t[:, :, 0, 0].t().contiguous()),  # [c,k] <-> [k,c,1,1]
}


def load_tfjs_weights(model, tensors, names, strict=True):
    """Copies weights named as in TensorFlow.js ({'g_fc/kernel': tensor in tfjs layout}) into `model`,
    whose TFJS_NAMES `names` list (torch name, tfjs name, layout)."""
    state = model.state_dict()
    missing = []
    with torch.no_grad():
        for torch_name, tfjs_name, layout in names:
            if tfjs_name not in tensors:
                missing.append(tfjs_name)
                continue
            value = TFJS_LAYOUTS[layout][0](tensors[tfjs_name])
            target = state[torch_name]
            if tuple(value.shape) != tuple(target.shape):
                raise ValueError(f"weight {tfjs_name}: shape {tuple(value.shape)} (as {torch_name}) does not fit {tuple(target.shape)}")
            target.copy_(value)
    if missing and strict:
        raise ValueError("weights missing: " + ", ".join(missing[:8]) + (" ..." if len(missing) > 8 else ""))


def tfjs_state(model, names):
    """The model's weights named and laid out as TensorFlow.js' (the inverse of load_tfjs_weights)."""
    state = model.state_dict()
    return {tfjs_name: TFJS_LAYOUTS[layout][1](state[torch_name].detach().float().cpu()) for torch_name, tfjs_name, layout in names}


# ---------------------------------------------------------------- safetensors (no pickle), tfjs model files
_ST_DTYPES = {"F32": torch.float32, "I32": torch.int32, "F64": torch.float64, "I64": torch.int64, "U8": torch.uint8}
_ST_CODES = {v: k for k, v in _ST_DTYPES.items()}


def _tensor_bytes(t):
    """Little-endian bytes of a contiguous CPU tensor (numpy when present; struct otherwise)."""
    try:
        return t.numpy().tobytes()
    except (ImportError, RuntimeError):
        fmt = {torch.float32: "f", torch.int32: "i", torch.float64: "d", torch.int64: "q", torch.uint8: "B"}[t.dtype]
        return struct.pack(f"<{t.numel()}{fmt}", *t.flatten().tolist())


def save_safetensors(path, tensors, metadata=None):
    """Writes tensors (name -> tensor) as a safetensors file: u64 header size, JSON header, raw little-endian data."""
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        code = _ST_CODES[t.dtype]
        data = _tensor_bytes(t)
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for c in chunks:
            f.write(c)
    os.replace(tmp, path)


def safetensors_metadata(path):
    """The string metadata of a safetensors file ({} when it has none)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        if n > 100_000_000:
            raise ValueError(f"{path}: header size {n} is not plausible")
        return json.loads(f.read(n).decode("utf-8")).get("__metadata__", {})


def load_safetensors(path):
    """Reads a safetensors file into name -> float32/int32 tensors, checking every offset against the file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: not a safetensors file (too short)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8 or n > 100_000_000:
        raise ValueError(f"{path}: header size {n} past the end of the file")
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    body = memoryview(data)[8 + n :]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _ST_DTYPES.get(info.get("dtype"))
        if dtype is None:
            raise ValueError(f"{path}: tensor {name!r} has dtype {info.get('dtype')!r}; F32, I32, F64 and I64 are read")
        start, end = info["data_offsets"]
        shape = [int(d) for d in info["shape"]]
        count = math.prod(shape)
        if not (0 <= start <= end <= len(body)) or end - start != count * torch.tensor([], dtype=dtype).element_size():
            raise ValueError(f"{path}: tensor {name!r} has offsets {start}..{end} that do not fit its shape or the file")
        out[name] = torch.frombuffer(bytearray(body[start:end]), dtype=dtype).reshape(shape) if count else torch.zeros(shape, dtype=dtype)
    return out


def load_tfjs_model_weights(directory):
    """Reads a TensorFlow.js layers model's weights (model.json + its weight files), name -> tensor (tfjs layout)."""
    with open(os.path.join(directory, "model.json"), encoding="utf-8") as f:
        manifest = json.load(f)["weightsManifest"]
    out = {}
    for group in manifest:
        data = b"".join(open(os.path.join(directory, p), "rb").read() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            dtype = {"float32": torch.float32, "int32": torch.int32}[spec["dtype"]]
            count = math.prod(spec["shape"])
            size = count * 4
            if offset + size > len(data):
                raise ValueError(f"{directory}: weight {spec['name']!r} runs past the end of its file")
            out[spec["name"]] = torch.frombuffer(bytearray(data[offset : offset + size]), dtype=dtype).reshape(spec["shape"])
            offset += size
    return out


# ---------------------------------------------------------------- losses (ganvas' src/core/train/losses.ts)
def adversarial_d(kind, real, fake, smoothing=0.0, drift=0.0):
    """D's term from its logits on real and fake samples.
    minimax/non-saturating (Goodfellow et al. 2014), lsgan (Mao et al. 2017, a=0 b=1 c=1), hinge (Lim & Ye 2017),
    wgan (Arjovsky et al. 2017); smoothing is one-sided (real target 1 - s, Salimans et al. 2016); drift adds
    ProGAN's drift * E[real^2] (Karras et al. 2018, sec. A.1)."""
    term = _adversarial_d(kind, real, fake, smoothing)
    return term + drift * real.square().mean() if drift else term


def _adversarial_d(kind, real, fake, smoothing):
    t = 1.0 - smoothing
    if kind in ("minimax", "non-saturating"):
        pos = F.softplus(-real)
        bce = pos if t == 1 else t * pos + (1 - t) * F.softplus(real)
        return bce.mean() + F.softplus(fake).mean()
    if kind == "lsgan":
        return 0.5 * ((real - t).square().mean() + fake.square().mean())
    if kind == "hinge":
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()
    if kind == "wgan":
        return fake.mean() - real.mean()
    raise ValueError(kind)


def adversarial_g(kind, fake):
    """G's term: it reads D's logits on fake samples only."""
    if kind == "minimax":
        return -F.softplus(fake).mean()  # E log(1 - s(x))
    if kind == "non-saturating":
        return F.softplus(-fake).mean()  # -E log s(x)
    if kind == "lsgan":
        return 0.5 * (fake - 1).square().mean()
    if kind in ("hinge", "wgan"):
        return -fake.mean()
    raise ValueError(kind)


def input_grad_sq_norm(critic, x):
    """Per-sample ||grad_x sum D(x)||^2, with the graph kept for the weights' gradient (create_graph)."""
    x = x.detach().requires_grad_(True)
    out = critic(x)
    (g,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    return g.square().flatten(1).sum(1)


def gradient_penalty(kind, weight, critic, real, fake, rand):
    """wgan-gp (Gulrajani et al. 2017 eq. 3), r1/r2 (Mescheder et al. 2018 eq. 9), dragan (Kodali et al. 2017, as in
    the authors' code). `rand(shape)` draws U[0,1) (the script's seeded stream; fixed tensors in parity tests)."""
    if kind == "wgan-gp":
        e = rand((real.shape[0],) + (1,) * (real.dim() - 1))
        x_hat = e * real.detach() + (1 - e) * fake.detach()
        norm = torch.sqrt(input_grad_sq_norm(critic, x_hat) + 1e-12)
        return weight * (norm - 1).square().mean()
    if kind == "r1":
        return weight / 2 * input_grad_sq_norm(critic, real).mean()
    if kind == "r2":
        return weight / 2 * input_grad_sq_norm(critic, fake).mean()
    if kind == "dragan":
        r = real.detach()
        u = rand(tuple(r.shape))
        xp = r + 0.5 * r.std(unbiased=False) * u
        a = rand((r.shape[0],) + (1,) * (r.dim() - 1))
        x_hat = r + a * (xp - r)
        norm = torch.sqrt(input_grad_sq_norm(critic, x_hat) + 1e-12)
        return weight * (norm - 1).square().mean()
    raise ValueError(kind)


def reconstruction(norm, weight, a, b):
    d = a - b
    return weight * (d.abs() if norm == "l1" else d.square()).mean()


def aux_classifier(weight, logits, labels):
    """ACGAN's class term (Odena et al. 2017): softmax cross-entropy of logits [B,K] against ids [B,1]."""
    return weight * F.cross_entropy(logits, labels.reshape(-1).long())


# ---------------------------------------------------------------- augment (the Augment node)
# Differentiable augmentation (DiffAugment, Zhao et al. 2020, as in the authors' DiffAugment_pytorch.py), with
# ADA's per-sample probability p per policy (Karras et al. 2020). The same computation, draws and draw order as
# ganvas' src/core/train/augment.ts: every draw is rand((B, 1, 1, 1)) ~ U[0,1), per policy its own, then (p < 1)
# its gate. x is NCHW.
def _augment_randint(u, count, lo):
    return torch.floor(u * count) + lo


def augment_translation(x, ux, uy):
    """out[b,:,i,j] = x[b,:,i+tx,j+ty] (0 outside), tx, ty integers in [-s, s], s = int(size/8 + 0.5)."""
    b, _, h, w = x.shape
    sx, sy = int(h * 0.125 + 0.5), int(w * 0.125 + 0.5)
    tx = _augment_randint(ux, 2 * sx + 1, -sx).long().view(b, 1, 1)
    ty = _augment_randint(uy, 2 * sy + 1, -sy).long().view(b, 1, 1)
    dev = x.device
    gb, gx, gy = torch.meshgrid(torch.arange(b, device=dev), torch.arange(h, device=dev), torch.arange(w, device=dev), indexing="ij")
    gx = torch.clamp(gx + tx + 1, 0, h + 1)
    gy = torch.clamp(gy + ty + 1, 0, w + 1)
    xp = F.pad(x, [1, 1, 1, 1])
    return xp.permute(0, 2, 3, 1)[gb, gx, gy].permute(0, 3, 1, 2)


def augment_cutout(x, ux, uy):
    """Zeroes a square of int(size/2 + 0.5) per side at a random offset (DiffAugment's rand_cutout)."""
    b, _, h, w = x.shape
    ch, cw = int(h * 0.5 + 0.5), int(w * 0.5 + 0.5)
    ox = _augment_randint(ux, h + (1 - ch % 2), -(ch // 2)).view(b, 1, 1)
    oy = _augment_randint(uy, w + (1 - cw % 2), -(cw // 2)).view(b, 1, 1)
    i = torch.arange(h, device=x.device, dtype=x.dtype).view(1, h, 1)
    j = torch.arange(w, device=x.device, dtype=x.dtype).view(1, 1, w)
    hole = (i >= ox) & (i < ox + ch) & (j >= oy) & (j < oy + cw)
    return x * (1 - hole.to(x.dtype)).unsqueeze(1)


def augment(x, policies, p, rand, gated=None):
    """The Augment node: `policies` in order on images x (NCHW); `rand(shape)` draws U[0,1) (the script's seeded
    stream; fixed tensors in parity tests). When gated (p < 1, or ADA's p), each policy applies to a sample with
    probability p."""
    gated = p < 1 if gated is None else gated

    def u():
        return rand((x.shape[0], 1, 1, 1))

    y = x
    for policy in policies:
        if policy == "color":
            z = y + (u() - 0.5)
            m = z.mean(dim=1, keepdim=True)
            z = (z - m) * (u() * 2) + m
            m = z.mean(dim=[1, 2, 3], keepdim=True)
            z = (z - m) * (u() + 0.5) + m
        elif policy == "translation":
            z = augment_translation(y, u(), u())
        elif policy == "cutout":
            z = augment_cutout(y, u(), u())
        elif policy == "flip":
            m = (u() < 0.5).to(y.dtype)
            z = m * y.flip(3) + (1 - m) * y
        else:
            raise ValueError(policy)
        if gated:
            g = (u() < p).to(y.dtype)
            z = g * z + (1 - g) * y
        y = z
    return y


def f32(v):
    """v rounded to float32 (ADA's state is kept in float32, as ganvas' trainer and checkpoints keep it)."""
    return struct.unpack("<f", struct.pack("<f", v))[0]


def ada_feedback(ada, signs, step, batch):
    """ADA's adjustment after a step (Karras et al. 2020; ganvas' Trainer.adaUpdate): `signs` are this step's D
    updates' E[sign(D(real))]; every `interval` steps r_t, their mean over the interval, moves p by
    sign(r_t - target) * batch * interval / speed, clipped to [0,1]. Returns the step's ada/p (and ada/rt)."""
    for v in signs:
        ada["sum"] = f32(ada["sum"] + v)
    ada["count"] += len(signs)
    cfg = ada["settings"]
    out = {}
    if step % cfg["interval"] == 0 and ada["count"] > 0:
        rt = f32(ada["sum"] / ada["count"])
        sign = (rt > cfg["target"]) - (rt < cfg["target"])
        ada["p"] = f32(min(1.0, max(0.0, ada["p"] + sign * batch * cfg["interval"] / cfg["speed"])))
        ada["sum"], ada["count"] = 0.0, 0
        out["ada/rt"] = rt
    out["ada/p"] = ada["p"]
    return out


# ---------------------------------------------------------------- progressive growing (the Progressive node)
# Karras et al. 2018 (ProGAN) as its own code runs it, and as ganvas' src/core/train/progressive.ts: the networks
# are built at the final resolution and a level of detail lod = log2(final / resolution in use), fractional during
# a fade, decides how much of them is in use. Everything is a function of the images shown (steps x global
# batch), so a resumed run continues mid-fade exactly.
def progressive_phase(s, images):
    """Where a run is after `images` images: {"lod", "resolution", "alpha", "fading"}. `stableImages` at `start`,
    then per doubling a fade of `fadeImages` (alpha 0 -> 1, linear in images) and `stableImages` stable."""
    stages = int(round(math.log2(s["final"] / s["start"])))
    t = max(0, images) - s["stableImages"]
    if t < 0:
        return {"lod": float(stages), "resolution": s["start"], "alpha": 1.0, "fading": False}
    for j in range(1, stages + 1):
        resolution = s["start"] * 2**j
        if t < s["fadeImages"]:
            alpha = t / s["fadeImages"]
            return {"lod": stages - j + 1 - alpha, "resolution": resolution, "alpha": alpha, "fading": True}
        t -= s["fadeImages"]
        if t < s["stableImages"] or j == stages:
            return {"lod": float(stages - j), "resolution": resolution, "alpha": 1.0, "fading": False}
        t -= s["stableImages"]
    return {"lod": 0.0, "resolution": s["final"], "alpha": 1.0, "fading": False}


def fade_alpha(final, r, lod):
    """The blend weight of a FadeIn bringing in resolution r at lod: clip(1 + log2(final / r) - lod, 0, 1)."""
    return min(1.0, max(0.0, 1 + math.log2(final / r) - lod))


def set_fade_alphas(models, final, lod):
    """Sets every FadeIn of the models to its alpha at lod; returns how many were set."""
    n = 0
    for m in models:
        for layer in m.modules():
            if isinstance(layer, FadeIn):
                layer.alpha = fade_alpha(final, layer.resolution, lod)
                n += 1
    return n


def _upsample_nearest(x, f):
    """Each pixel a f x f block (NCHW): tfjs' resizeNearestNeighbor by an integer factor."""
    return x if f == 1 else F.interpolate(x, scale_factor=f, mode="nearest")


def _downsample_avg(x, f):
    """The mean of each f x f block (NCHW): tf.avgPool(x, f, f, 'valid')."""
    return x if f == 1 else F.avg_pool2d(x, f)


def progressive_reals(x, lod):
    """Real images [B,C,final,final] as D sees them at lod (ProGAN's process_reals): average-pooled to the
    resolution in use final / 2^floor(lod), blended during a fade toward their half-resolution version by
    lod - floor(lod), and upsampled back to final by nearest neighbour."""
    whole = math.floor(lod)
    frac = lod - whole
    f = 2**whole
    y = _downsample_avg(x, f)
    if frac > 0:
        y = y + (_upsample_nearest(_downsample_avg(y, 2), 2) - y) * frac
    return _upsample_nearest(y, f)


# ---------------------------------------------------------------- optimizers (the Optimizer node's algorithms)
class TfRMSprop(torch.optim.Optimizer):
    """RMSProp as TensorFlow.js computes it: ms = 0.9 ms + 0.1 g^2; mom = momentum mom + lr g / sqrt(ms + eps);
    w -= mom. (torch.optim.RMSprop adds eps outside the square root.)"""

    def __init__(self, params, lr, momentum=0.0, eps=1e-8, decay=0.9):
        super().__init__(params, dict(lr=lr, momentum=momentum, eps=eps, decay=decay))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st["ms"] = torch.zeros_like(p)
                    st["mom"] = torch.zeros_like(p)
                st["ms"].mul_(group["decay"]).addcmul_(p.grad, p.grad, value=1 - group["decay"])
                st["mom"].mul_(group["momentum"]).add_(group["lr"] * p.grad / torch.sqrt(st["ms"] + group["eps"]))
                p.sub_(st["mom"])


def learning_rate_at(cfg, step):
    """An Optimizer node's learning rate at `step` (steps done before this update), as ganvas'
    src/core/train/schedule.ts: base * warm-up * decay; decay constant, linear to minLrFactor over decaySteps after
    decayStart (pix2pix/CycleGAN), or cosine to the same floor (torch's CosineAnnealingLR)."""
    base = cfg["learningRate"]
    kind = cfg.get("schedule", "constant")
    warm_steps = cfg.get("warmupSteps", 0)
    warm = min(1.0, (step + 1) / warm_steps) if warm_steps > 0 else 1.0
    decay = 1.0
    if kind in ("linear", "cosine"):
        floor = cfg.get("minLrFactor", 0.0)
        t = min(1.0, max(0.0, (step - cfg.get("decayStart", 0)) / max(1, cfg.get("decaySteps", 1000))))
        decay = 1 - (1 - floor) * t if kind == "linear" else floor + (1 - floor) * (1 + math.cos(math.pi * t)) / 2
    return base * warm * decay


def make_optimizer(params, cfg):
    """An Optimizer node's settings as a torch optimizer (Adam/RMSProp/SGD with its learning rate and moments)."""
    # As floats: the project's JSON writes 0 for a beta of 0, and PyTorch 2's Adam refuses betas that are neither
    # both floats nor both tensors.
    lr, momentum, eps = float(cfg["learningRate"]), float(cfg["momentum"]), float(cfg["epsilon"])
    if cfg["algorithm"] == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(float(cfg["beta1"]), float(cfg["beta2"])), eps=eps)
    if cfg["algorithm"] == "rmsprop":
        return TfRMSprop(params, lr=lr, momentum=momentum, eps=eps)
    return torch.optim.SGD(params, lr=lr, momentum=momentum)


# ---------------------------------------------------------------- data (ganvas' src/core/data/datasets.ts)
class DataError(Exception):
    pass


def mixture_centers(p):
    if p["source"] == "ring":
        return [[p["radius"] * math.cos(2 * math.pi * i / p["modes"]), p["radius"] * math.sin(2 * math.pi * i / p["modes"])] for i in range(p["modes"])]
    off = (p["side"] - 1) * p["spacing"] / 2
    return [[i * p["spacing"] - off, j * p["spacing"] - off] for i in range(p["side"]) for j in range(p["side"])]


def read_mnist_bin(path):
    """The digits file `npx ganvas data` writes: "MNST", u32 count, count labels, count*784 pixels (0..255)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise DataError(f"MNIST digits: cannot read {path} ({e.strerror}); in the ganvas repository `npx ganvas data` writes it, or pass --mnist FILE") from None
    if len(data) < 8 or data[:4] != b"MNST":
        raise DataError(f"{path}: not a ganvas MNIST file")
    (count,) = struct.unpack("<I", data[4:8])
    if len(data) != 8 + count * 785:
        raise DataError(f"{path}: truncated MNIST file")
    labels = torch.frombuffer(bytearray(data[8 : 8 + count]), dtype=torch.uint8).long()
    images = torch.frombuffer(bytearray(data[8 + count :]), dtype=torch.uint8).view(count, 28, 28)
    return images, labels


def _box_matrix(n, size):
    """R [size, n]: the area weights of ganvas' box-filter resize along one axis (rows sum to 1)."""
    r = torch.zeros(size, n, dtype=torch.float64)
    for y in range(size):
        y0, y1 = y * n / size, (y + 1) * n / size
        for s in range(math.floor(y0), math.ceil(y1)):
            r[y, s] = min(y1, s + 1) - max(y0, s)
    return r / r.sum(1, keepdim=True)


def resize_digits(images, size):
    """[N,28,28] bytes -> [N,size,size] in [0,1] by the box filter ganvas uses."""
    x = images.double() / 255
    if size != 28:
        r = _box_matrix(28, size)
        x = r @ x @ r.t()
    return x.float()


_SOBEL_X = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def edges(img):
    """Sobel edge magnitude of [B,1,H,W] digits in [0,1], halved and clipped to [0,1] (zero border)."""
    k = torch.stack([_SOBEL_X, _SOBEL_X.t()]).unsqueeze(1)
    g = F.conv2d(img, k, padding=1)
    return torch.clamp(torch.sqrt(g[:, :1].square() + g[:, 1:].square()) / 2, max=1.0)


def thick_inverted(img):
    """A thicker, inverted digit: 3x3 max filter, then 1 - v."""
    return 1 - F.max_pool2d(img, 3, stride=1, padding=1)


class Dataset:
    """One Dataset node: `batch(n, gen)` gives a dict port -> tensor (NCHW images, in the project's scaling)."""

    def __init__(self, p, mnist_path=None, folder=None):
        self.p = p
        src = p["source"]
        if src in ("ring", "grid"):
            self.centers = torch.tensor(mixture_centers(p), dtype=torch.float32)
        elif src.startswith("mnist"):
            images, self.labels = read_mnist_bin(mnist_path)
            if src == "mnist" and p.get("count"):  # the first N digits only
                images, self.labels = images[: p["count"]], self.labels[: p["count"]]
            self.digits = resize_digits(images, p["size"]).unsqueeze(1)  # [N,1,S,S] in [0,1]
        elif src == "folder":
            self.images = ImageFolder(folder or p["path"], p["height"], p["width"], p["channels"])
        else:
            raise DataError(f"unknown dataset source {src!r}")

    def __len__(self):
        return len(self.digits) if hasattr(self, "digits") else len(self.images) if hasattr(self, "images") else 0

    def batch(self, n, gen):
        p, src = self.p, self.p["source"]
        if src in ("ring", "grid"):
            k = torch.randint(len(self.centers), (n,), generator=gen)
            return {"x": self.centers[k] + p["std"] * torch.randn(n, 2, generator=gen)}
        if src == "folder":  # random picks (samples); training streams through folder_batches
            k = torch.randint(len(self.images), (n,), generator=gen)
            return {"x": torch.stack([self.images[int(i)] for i in k])}
        pick = lambda: torch.randint(len(self.digits), (n,), generator=gen)
        if src == "mnist":
            k = pick()
            x = self.digits[k]
            return {"x": x * 2 - 1 if p["scale"] == "tanh" else x, "label": self.labels[k].view(n, 1).int()}
        a = self.digits[pick()]
        if src == "mnist-edges":  # paired (pix2pix): a = edges(d), b = d
            inp, target = edges(a), a
        else:  # unpaired (CycleGAN): a and b from different digits
            inp, target = a, thick_inverted(self.digits[pick()])
        image = lambda v: (v * 2 - 1).expand(-1, p["channels"], -1, -1).contiguous()
        return {"a": image(inp), "b": image(target)}


def _image_files(path):
    files = sorted(
        os.path.join(root, f)
        for root, _, names in os.walk(path)
        for f in names
        if f.lower().endswith((".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"))
    )
    if not files:
        raise DataError(f"no images under {path!r}")
    return files


def _read_image(file, height, width, channels):
    """One image as [C,H,W] in [0,1], resized bilinearly to width x height."""
    try:
        from PIL import Image
    except ImportError:
        raise DataError("image folders need Pillow: pip install pillow (or apt-get install python3-pil)") from None
    with Image.open(file) as im:
        im = im.convert("L" if channels == 1 else "RGB").resize((width, height), Image.BILINEAR)
        px = torch.frombuffer(bytearray(im.tobytes()), dtype=torch.uint8).view(height, width, channels)
    return px.permute(2, 0, 1).float() / 255


class ImageFolder(torch.utils.data.Dataset):
    """The images under a folder, read when asked for: [C,H,W] in [-1,1] (a DataLoader's dataset)."""

    def __init__(self, path, height, width, channels):
        self.files = _image_files(path)
        self.shape = (height, width, channels)

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        return _read_image(self.files[i], *self.shape) * 2 - 1


def folder_batches(folder, local_batch, seed, rank=0, world=1, workers=2):
    """Endless batches of one process's share of an image folder: a DataLoader over a DistributedSampler
    (shuffled per epoch from the seed; each process sees its own part of every epoch)."""
    sampler = torch.utils.data.distributed.DistributedSampler(folder, num_replicas=world, rank=rank, shuffle=True, seed=seed, drop_last=len(folder) >= world)
    loader = torch.utils.data.DataLoader(folder, batch_size=local_batch, sampler=sampler, num_workers=workers, drop_last=len(folder) // world >= local_batch, persistent_workers=workers > 0)
    epoch = 0
    while True:
        sampler.set_epoch(epoch)
        for batch in loader:
            yield batch
        epoch += 1


# ---------------------------------------------------------------- pictures (PNG with zlib, no Pillow)
DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def _xml(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&apos;")


def provenance_chunks(project, project_hash, step, seed, tool):
    """The marks of an AI-generated picture, as ganvas writes them (src/core/train/provenance.ts, docs/provenance.md):
    tEXt fields, the project name as UTF-8 iTXt, and an XMP packet with IPTC's DigitalSourceType
    trainedAlgorithmicMedia. [(type, data)] for write_png."""
    ascii_ = lambda v: "".join(c if 0x20 <= ord(c) < 0x7F else "?" for c in str(v)).encode("latin-1")
    text = lambda k, v: (b"tEXt", k.encode("latin-1") + b"\x00" + ascii_(v))
    itxt = lambda k, v: (b"iTXt", k.encode("latin-1") + b"\x00\x00\x00\x00\x00" + str(v).encode("utf-8", "replace"))
    attrs = [
        ("xmlns:Iptc4xmpExt", "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"),
        ("xmlns:xmp", "http://ns.adobe.com/xap/1.0/"),
        ("xmlns:ganvas", "urn:ganvas:xmp:1.0/"),
        ("Iptc4xmpExt:DigitalSourceType", DIGITAL_SOURCE_TYPE),
        ("xmp:CreatorTool", tool),
        ("ganvas:project", project),
        ("ganvas:projectHash", project_hash),
        ("ganvas:step", step),
        ("ganvas:seed", seed),
    ]
    xmp = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n  <rdf:Description rdf:about=""'
        + "".join(f'\n    {k}="{_xml(v)}"' for k, v in attrs)
        + '/>\n </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end="r"?>'
    )
    return [
        text("Software", tool),
        text("Description", "AI-generated: made by a generative adversarial network trained in ganvas."),
        text("DigitalSourceType", DIGITAL_SOURCE_TYPE),
        itxt("ganvas:project", project),
        text("ganvas:projectHash", project_hash),
        text("ganvas:step", int(step)),
        text("ganvas:seed", int(seed)),
        itxt("XML:com.adobe.xmp", xmp),
    ]


def write_png(path, rgba, width, height, marks=()):
    """Writes bytes of an RGBA picture (height*width*4) as a PNG file, atomically; `marks` are extra chunks
    (provenance_chunks) placed after IHDR."""
    raw = b"".join(b"\x00" + bytes(rgba[y * width * 4 : (y + 1) * width * 4]) for y in range(height))

    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
    png += b"".join(chunk(kind, data) for kind, data in marks)
    png += chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    with open(path + ".tmp", "wb") as f:
        f.write(png)
    os.replace(path + ".tmp", path)


def image_grid(x, cols=8):
    """[N,C,H,W] in [-1,1] -> RGBA bytes of a grid with 1-pixel gaps, (bytes, width, height)."""
    x = ((x.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    n, c, h, w = x.shape
    rows = -(-n // cols)
    cols = min(cols, n)
    W, H = cols * (w + 1) + 1, rows * (h + 1) + 1
    pic = torch.full((H, W, 4), 255, dtype=torch.uint8)
    pic[:, :, :3] = 32
    for i in range(n):
        r, k = divmod(i, cols)
        tile = x[i].permute(1, 2, 0)
        tile = tile.expand(-1, -1, 3) if c == 1 else tile[:, :, :3]
        pic[1 + r * (h + 1) : 1 + r * (h + 1) + h, 1 + k * (w + 1) : 1 + k * (w + 1) + w, :3] = tile
    return pic.flatten().tolist(), W, H


def scatter(points, real=None, size=400):
    """2D points [N,2] (and the real modes' points) as an RGBA scatter plot, (bytes, width, height)."""
    pts = points.detach().float().cpu()
    extent = float(pts.abs().max()) * 1.1 + 0.1 if len(pts) else 1.0
    pic = torch.full((size, size, 4), 255, dtype=torch.uint8)
    def plot(p, rgb):
        ij = ((p / extent + 1) / 2 * (size - 1)).round().long().clamp(0, size - 1)
        pic[size - 1 - ij[:, 1], ij[:, 0], :3] = torch.tensor(rgb, dtype=torch.uint8)
    if real is not None:
        plot(real.float().cpu(), (180, 180, 180))
    plot(pts, (200, 30, 30))
    return pic.flatten().tolist(), size, size


# ================================================================ quality figures and early stopping (issue 17.4)
# ganvas' src/core/train/fid.ts, metrics.ts and early-stop.ts in torch: the bundled digit classifier
# (public/models/mnist-classifier, a TensorFlow.js layers model) read from its model.json and weight files and
# run NHWC-faithfully; FID, the Inception-score analogue and improved precision/recall (k = 3) on its features
# and class probabilities, in float64 as ganvas computes them; Keras-style early stopping on a figure.
CLASSIFIER_FEATURES = "features"  # the layer whose activations are the features (fid.ts FEATURE_LAYER)
DIGITS_REAL = (9000, 10000)  # the held-out reference digits (fid.ts REAL_FROM, REAL_TO)
DIGIT_SAMPLES, DIGIT_SEED = 500, 777  # generated digits per evaluation and their stream's seed (session.ts)
PR_NEIGHBOURS = 3
_ACTIVATIONS = {
    "linear": lambda x: x,
    None: lambda x: x,
    "relu": F.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softmax": lambda x: F.softmax(x, dim=-1),
}


class TfjsClassifier(nn.Module):
    """A TensorFlow.js layers model that is a chain of InputLayer, Conv2D, MaxPooling2D, GlobalAveragePooling2D,
    Flatten, Dropout, Activation and Dense layers, with its weights in tfjs' layout. forward takes NHWC images and
    returns (the activations of the layer named `features_layer`, the last layer's output)."""

    def __init__(self, topology, weights, features_layer=CLASSIFIER_FEATURES, where="classifier"):
        super().__init__()
        cfg = topology.get("config", topology)
        layers = cfg.get("layers", cfg) if isinstance(cfg, dict) else cfg
        if not isinstance(layers, list) or not layers:
            raise DataError(f"{where}: model.json has no layers")
        self.steps = []
        self.params = nn.ParameterDict()
        prev = None
        for layer in layers:
            kind, c = layer.get("class_name"), layer.get("config", {})
            name = c.get("name", layer.get("name"))
            inbound = layer.get("inbound_nodes") or []
            if prev is not None and inbound and [n[0] for n in inbound[0]] != [prev]:
                raise DataError(f"{where}: layer {name!r} is not fed by the layer before it (only chains are read)")
            prev = name
            if kind == "InputLayer":
                continue
            act = c.get("activation", "linear")
            if kind in ("Conv2D", "Dense", "Activation") and act not in _ACTIVATIONS:
                raise DataError(f"{where}: layer {name!r}: activation {act!r} is not supported")
            if kind in ("Conv2D", "Dense"):
                key = name.replace(".", "_")
                try:
                    w = weights[f"{name}/kernel"].float()
                    b = weights[f"{name}/bias"].float() if c.get("use_bias", True) else None
                except KeyError as e:
                    raise DataError(f"{where}: weight {e.args[0]!r} is missing") from None
                self.params[key + "__k"] = nn.Parameter(w.permute(3, 2, 0, 1).contiguous() if kind == "Conv2D" else w.t().contiguous(), requires_grad=False)
                if b is not None:
                    self.params[key + "__b"] = nn.Parameter(b, requires_grad=False)
                self.steps.append((kind, name, key, c))
            elif kind in ("GlobalAveragePooling2D", "Flatten", "Dropout", "Activation", "MaxPooling2D"):
                self.steps.append((kind, name, None, c))
            else:
                raise DataError(f"{where}: layer {name!r} of type {kind!r} is not supported")
        if features_layer not in [s[1] for s in self.steps]:
            raise DataError(f"{where}: no layer named {features_layer!r}")
        self.features_layer = features_layer

    @staticmethod
    def _same_pad(x, k, s, d, value=0.0):
        """TensorFlow's 'same' padding of NCHW x: total max((out-1)*s + (k-1)*d + 1 - in, 0), the larger half after."""
        pads = []
        for size, kk, ss, dd in zip(reversed(x.shape[2:]), reversed(k), reversed(s), reversed(d)):
            out = -(-size // ss)
            total = max((out - 1) * ss + (kk - 1) * dd + 1 - size, 0)
            pads += [total // 2, total - total // 2]
        return F.pad(x, pads, value=value)

    def forward(self, x):
        """x: [N,H,W,C] (NHWC, as tfjs takes it) -> (features, output)."""
        x = x.permute(0, 3, 1, 2)  # NCHW inside; rank-4 results go back to NHWC only through Flatten's order
        features = None
        for kind, name, key, c in self.steps:
            if kind == "Conv2D":
                k, s, d = c["kernel_size"], c.get("strides", [1, 1]), c.get("dilation_rate", [1, 1])
                if c.get("padding", "valid") == "same":
                    x = self._same_pad(x, k, s, d)
                x = F.conv2d(x, self.params[key + "__k"], self.params[key + "__b"] if key + "__b" in self.params else None, stride=s, dilation=d)
                x = _ACTIVATIONS[c.get("activation", "linear")](x)
            elif kind == "MaxPooling2D":
                k, s = c["pool_size"], c.get("strides") or c["pool_size"]
                if c.get("padding", "valid") == "same":
                    x = self._same_pad(x, k, s, [1, 1], value=float("-inf"))  # padding never wins the maximum
                x = F.max_pool2d(x, k, s)
            elif kind == "GlobalAveragePooling2D":
                x = x.mean(dim=(2, 3))
            elif kind == "Flatten":
                x = nhwc_flatten(x)
            elif kind == "Dense":
                x = F.linear(x, self.params[key + "__k"], self.params[key + "__b"] if key + "__b" in self.params else None)
                x = _ACTIVATIONS[c.get("activation", "linear")](x)
            elif kind == "Activation":
                x = _ACTIVATIONS[c["activation"]](x)
            if name == self.features_layer:
                features = x if x.dim() == 2 else nhwc_flatten(x)
        return features, x


def load_tfjs_classifier(directory):
    """The classifier in DIRECTORY (model.json + its weight files: `ganvas classifier` writes them), on the CPU."""
    where = f"digit classifier {directory}"
    try:
        with open(os.path.join(directory, "model.json"), encoding="utf-8") as f:
            topology = json.load(f)["modelTopology"]
        weights = load_tfjs_model_weights(directory)
    except OSError as e:
        raise DataError(f"{where}: cannot read {e.filename} ({e.strerror}); in the ganvas repository it is public/models/mnist-classifier, or pass --classifier DIR") from None
    except (ValueError, KeyError, TypeError) as e:
        raise DataError(f"{where}: not a TensorFlow.js layers model ({type(e).__name__}: {e})") from None
    return TfjsClassifier(topology, weights, where=where).eval()


def to_classifier(x):
    """Digits [N,1,S,S] (NCHW, in [-1,1]) as the classifier reads them: NHWC 28x28, resized bilinearly with half-pixel
    centres when S is not 28 (tf.image.resizeBilinear(.., halfPixelCenters) = F.interpolate(align_corners=False))."""
    x = x.float()
    if x.shape[-2:] != (28, 28):
        x = F.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False)
    return x.permute(0, 2, 3, 1).contiguous()


def digit_reference(images, size):
    """The real reference of a model of size x size digits: held-out digits 9,000-9,999 of the MNIST file ([N,28,28]
    bytes) through the MNIST node's area resize to `size`, in [-1,1], [M,1,size,size] (fid.ts digitImagesAt)."""
    lo, hi = DIGITS_REAL[0], min(DIGITS_REAL[1], len(images))
    if hi <= lo:
        raise DataError(f"the MNIST file has {len(images)} digits; the digit figures' reference is digits {lo:,}-{DIGITS_REAL[1] - 1:,}")
    return (resize_digits(images[lo:hi], size) * 2 - 1).unsqueeze(1)


def gaussian_fit(features):
    """Mean and covariance (n - 1) of the rows of [n, d] features, in float64 (metrics.ts gaussianFit)."""
    f = features.double()
    mean = f.mean(0)
    c = f - mean
    return mean, c.t() @ c / max(1, f.shape[0] - 1)


def _sqrt_psd(a):
    values, vectors = torch.linalg.eigh(a)
    return (vectors * values.clamp(min=0).sqrt()) @ vectors.t()


def frechet_distance(a, b):
    """||m1 - m2||^2 + tr(C1 + C2 - 2 (C1^1/2 C2 C1^1/2)^1/2), square roots of symmetric PSD matrices by eigen-
    decomposition in float64 (metrics.ts frechetDistance)."""
    (m1, c1), (m2, c2) = a, b
    s1 = _sqrt_psd(c1)
    inner = s1 @ c2 @ s1
    inner = (inner + inner.t()) / 2
    return float(((m1 - m2) ** 2).sum() + torch.trace(c1) + torch.trace(c2) - 2 * torch.trace(_sqrt_psd(inner)))


def inception_score(probs):
    """exp(E_x KL(p(y|x) || p(y))) of class probabilities [n, classes]; p log p -> 0 at p = 0 (metrics.ts)."""
    p = probs.double()
    marginal = p.mean(0, keepdim=True)
    terms = torch.where(p > 0, p * (torch.log(p.clamp(min=1e-300)) - torch.log(marginal.clamp(min=1e-300))), torch.zeros_like(p))
    return float(torch.exp(terms.sum() / p.shape[0]))


def _sq_dist(a, b):
    # Direct differences (not the |a|^2 + |b|^2 - 2ab expansion) in float64, as metrics.ts sums them.
    return torch.cdist(a.double(), b.double(), compute_mode="donot_use_mm_for_euclid_dist") ** 2


def _kth_radii(x, k):
    d = _sq_dist(x, x)
    d.fill_diagonal_(float("inf"))
    return d.kthvalue(min(k, x.shape[0] - 1), dim=1).values


def _inside(query, support, radii):
    if query.shape[0] == 0:
        return 0.0
    return float((_sq_dist(query, support) <= radii.unsqueeze(0)).any(dim=1).double().mean())


def precision_recall(fake, real, k=PR_NEIGHBOURS):
    """Improved precision and recall (Kynkaanniemi et al. 2019) of feature rows: the share of generated rows inside
    the union of the real rows' k-NN balls, and of real rows inside the generated ones' (metrics.ts)."""
    return {"precision": _inside(fake, real, _kth_radii(real, k)), "recall": _inside(real, fake, _kth_radii(fake, k))}


class DigitQuality:
    """The digit figures of generated digits against the reference (fid.ts digitQuality), on the CPU in float32
    through the classifier, float64 after."""

    def __init__(self, classifier, reference):
        self.classifier = classifier
        self.real_features, _ = self.classify(reference)
        self.real_fit = gaussian_fit(self.real_features)

    @torch.no_grad()
    def classify(self, x, chunk=500):
        outs = [self.classifier(to_classifier(x[i : i + chunk].cpu())) for i in range(0, x.shape[0], chunk)]
        return torch.cat([o[0] for o in outs]), torch.cat([o[1] for o in outs])

    def __call__(self, samples):
        """samples: [n,1,S,S] NCHW in [-1,1] -> fid, inceptionScore, precision, recall."""
        features, probs = self.classify(samples)
        return {"fid": frechet_distance(gaussian_fit(features), self.real_fit), "inceptionScore": inception_score(probs), **precision_recall(features, self.real_features)}


# (label, higher is better) of each figure early stopping judges (early-stop.ts METRIC_INFO)
QUALITY_METRICS = {
    "fid": ("FID", False),
    "inceptionScore": ("Inception score", True),
    "precision": ("precision", True),
    "recall": ("recall", True),
    "modesCovered": ("modes covered", True),
    "highQuality": ("high-quality share", True),
    "modeScore": ("modes covered + high-quality share", True),
}
DIGIT_METRICS = ("fid", "inceptionScore", "precision", "recall")


def _js_number(v):
    """A finite float as JavaScript's String(number) writes it (shortest digits; exponent below 1e-6, from 1e21)."""
    import decimal

    if v == 0:
        return "0"
    t = decimal.Decimal(repr(abs(v))).normalize().as_tuple()
    digits = "".join(map(str, t.digits))
    k, n = len(digits), t.exponent + len(digits)
    sign = "-" if v < 0 else ""
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    return sign + digits[0] + ("." + digits[1:] if k > 1 else "") + f"e{'+' if n - 1 > 0 else '-'}{abs(n - 1)}"


def fmt_figure(v):
    """Figures as ganvas prints them (early-stop.ts fmtFigure): integers with commas, else 3 significant digits
    (one decimal from 100 up), written as JavaScript writes numbers."""
    if not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    if float(v).is_integer():
        return f"{int(v):,}"
    return _js_number(float(f"{v:.1f}" if abs(v) >= 100 else f"{v:.3g}"))


def quality_value(q, metric):
    """The figure `metric` of a set of figures (modeScore: modes covered + high-quality share); NaN when absent."""
    if metric == "modeScore":
        return q["modesCovered"] + q["highQuality"] if "modesCovered" in q and "highQuality" in q else float("nan")
    v = q.get(metric)
    return float(v) if v is not None else float("nan")


class EarlyStopper:
    """Keras' EarlyStopping on a quality figure (early-stop.ts): an evaluation improves when it beats the best by more
    than min_delta (lower for FID, higher for the others; the first always does, NaN never); after `patience`
    evaluations in a row without an improvement the run stops (unless stops is False)."""

    def __init__(self, metric, patience, min_delta, stops=True):
        self.metric, self.patience, self.min_delta, self.stops = metric, patience, min_delta, stops
        self.state = {"metric": metric, "wait": 0, "evaluations": 0}

    def restore(self, s):
        """Continues from a saved state; one of another metric, or not well formed, is ignored."""
        count = lambda n: isinstance(n, int) and not isinstance(n, bool) and n >= 0
        best = s.get("best")
        ok_best = best is None or (isinstance(best, dict) and count(best.get("step")) and isinstance(best.get("value"), (int, float)) and math.isfinite(best["value"]))
        if s.get("metric") == self.metric and count(s.get("wait")) and count(s.get("evaluations")) and ok_best:
            self.state = {"metric": self.metric, "wait": s["wait"], "evaluations": s["evaluations"], **({"best": dict(best)} if best else {})}

    def improves(self, value, best):
        if not math.isfinite(value):
            return False
        if best is None:
            return True
        return value > best + self.min_delta if QUALITY_METRICS[self.metric][1] else value < best - self.min_delta

    def observe(self, step, value):
        s = self.state
        s["evaluations"] += 1
        improved = self.improves(value, s.get("best", {}).get("value"))
        if improved:
            s["best"] = {"step": step, "value": value}
            s["wait"] = 0
        else:
            s["wait"] += 1
        best = dict(s.get("best") or {"step": step, "value": value})
        out = {"step": step, "metric": self.metric, "value": value, "improved": improved, "best": best, "wait": s["wait"]}
        if self.stops and s["wait"] >= self.patience:
            label = QUALITY_METRICS[self.metric][0]
            by = f" by more than {fmt_figure(self.min_delta)}" if self.min_delta > 0 else ""
            n = f"{self.patience} evaluation{'' if self.patience == 1 else 's'}"
            out["stop"] = f"stopped at step {fmt_figure(step)}: {label} did not improve{by} for {n}; best {fmt_figure(best['value'])} at step {fmt_figure(best['step'])}"
        return out

"""HLH-GAN: joint super-resolution and inpainting of MR slices (Huang et al., IJCAI-20).

Modules: networks (G, F, D_G, D_F, phi), degradations (the seeded simulator), losses (eqs. 1-9),
data (NIfTI / DICOM volumes to slices), train (the staged training loop), export (TorchScript + JSON).
"""

__version__ = "0.1.0"

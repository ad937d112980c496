# SPDX-License-Identifier: GPL-3.0-or-later
from tests import kojihub_double

kojihub_double.install()

/* pi-keyring.h: the umbrella header of libpi-keyring
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define PI_KEYRING_INSIDE

#include "pi-keyring-version-macros.h"
#include "pi-keyring-version.h"
#include "pi-keyring-enum-types.h"
#include "pi-keyring-error.h"
#include "pi-keyring-credential.h"
#include "pi-keyring-credential-lock.h"
#include "pi-keyring-backend.h"
#include "pi-keyring-memory-backend.h"
#include "pi-keyring-file-backend.h"
#include "pi-keyring-encrypted-file-backend.h"
#include "pi-keyring-secret-service-backend.h"
#include "pi-keyring-config-value.h"
#include "pi-keyring-catalog.h"
#include "pi-keyring-interaction.h"
#include "pi-keyring-provider.h"
#include "pi-keyring-store.h"

#undef PI_KEYRING_INSIDE

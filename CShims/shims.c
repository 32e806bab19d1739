#include "limpet_shims.h"

#ifndef LIMPET_SHIMS_H
#define LIMPET_SHIMS_H
#endif

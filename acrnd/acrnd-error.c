/* acrnd's model error domain (acrnd-error.h). */
#include "config.h"

#include "acrnd-error.h"

G_DEFINE_QUARK(acrnd_error, acrnd_error)

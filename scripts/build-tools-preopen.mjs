// Loaded with `node --import` into the componentize process only. The build tools run as
// components on preview2-shim, which since 0.26 preopens nothing, so without this they cannot
// read the WIT or the source they are given ("No such file or directory (os error 44)").
// Never load it into Gofer itself: it hands the whole host filesystem to every component.
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';

_setPreopens({ '/': '/' });

"""Closing a window the way a window manager does, with plain Xlib through ctypes (no extra
packages): a WM_PROTOCOLS / WM_DELETE_WINDOW client message, which GTK turns into a close
request (Tauri's `WindowEvent::CloseRequested`). WebDriver's "close window" is no use here:
WebKitWebDriver ends the whole browser (the app) when its last window closes."""

from __future__ import annotations

import ctypes
import ctypes.util
import os

_x11 = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")

Window = ctypes.c_ulong
Atom = ctypes.c_ulong


class _ClientMessage(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p), ("window", Window), ("message_type", Atom),
        ("format", ctypes.c_int), ("l", ctypes.c_long * 5),
    ]


class _XEvent(ctypes.Union):
    _fields_ = [("xclient", _ClientMessage), ("pad", ctypes.c_long * 24)]


class _Attributes(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int), ("height", ctypes.c_int),
        ("border_width", ctypes.c_int), ("depth", ctypes.c_int), ("visual", ctypes.c_void_p),
        ("root", Window), ("class_", ctypes.c_int), ("bit_gravity", ctypes.c_int),
        ("win_gravity", ctypes.c_int), ("backing_store", ctypes.c_int),
        ("backing_planes", ctypes.c_ulong), ("backing_pixel", ctypes.c_ulong),
        ("save_under", ctypes.c_int), ("colormap", ctypes.c_ulong), ("map_installed", ctypes.c_int),
        ("map_state", ctypes.c_int), ("all_event_masks", ctypes.c_long), ("your_event_mask", ctypes.c_long),
        ("do_not_propagate_mask", ctypes.c_long), ("override_redirect", ctypes.c_int), ("screen", ctypes.c_void_p),
    ]


_x11.XOpenDisplay.restype = ctypes.c_void_p
_x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
_x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
_x11.XDefaultRootWindow.restype = Window
_x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
_x11.XInternAtom.restype = Atom
_x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
_x11.XQueryTree.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(Window), ctypes.POINTER(Window),
                            ctypes.POINTER(ctypes.POINTER(Window)), ctypes.POINTER(ctypes.c_uint)]
_x11.XGetWindowProperty.argtypes = [ctypes.c_void_p, Window, Atom, ctypes.c_long, ctypes.c_long, ctypes.c_int, Atom,
                                    ctypes.POINTER(Atom), ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_ulong),
                                    ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_void_p)]
_x11.XGetWindowAttributes.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(_Attributes)]
_x11.XSendEvent.argtypes = [ctypes.c_void_p, Window, ctypes.c_int, ctypes.c_long, ctypes.POINTER(_XEvent)]
_x11.XFlush.argtypes = [ctypes.c_void_p]
_x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
_x11.XFree.argtypes = [ctypes.c_void_p]

_CLIENT_MESSAGE = 33
_XA_CARDINAL = 6
_XA_ATOM = 4
IS_UNMAPPED, IS_VIEWABLE = 0, 2


class Display:
    def __init__(self):
        self.d = _x11.XOpenDisplay(os.environ.get("DISPLAY", "").encode() or None)
        if not self.d:
            raise RuntimeError("cannot open the X display (DISPLAY=%r)" % os.environ.get("DISPLAY"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _x11.XCloseDisplay(self.d)

    def atom(self, name: str) -> int:
        return _x11.XInternAtom(self.d, name.encode(), 0)

    def _longs(self, w: int, prop: str, kind: int) -> list[int]:
        actual_type, actual_format = Atom(), ctypes.c_int()
        nitems, after, data = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p()
        status = _x11.XGetWindowProperty(self.d, w, self.atom(prop), 0, 64, 0, kind, ctypes.byref(actual_type),
                                         ctypes.byref(actual_format), ctypes.byref(nitems), ctypes.byref(after),
                                         ctypes.byref(data))
        if status != 0 or not data.value:
            return []
        try:
            # Format-32 properties come back as C longs.
            return list(ctypes.cast(data, ctypes.POINTER(ctypes.c_long))[: nitems.value]) if actual_format.value == 32 else []
        finally:
            _x11.XFree(data)

    def _children(self, w: int) -> list[int]:
        root, parent = Window(), Window()
        children, n = ctypes.POINTER(Window)(), ctypes.c_uint()
        if not _x11.XQueryTree(self.d, w, ctypes.byref(root), ctypes.byref(parent), ctypes.byref(children), ctypes.byref(n)):
            return []
        try:
            return [children[i] for i in range(n.value)]
        finally:
            if children:
                _x11.XFree(children)

    def map_state(self, w: int) -> int:
        attrs = _Attributes()
        _x11.XGetWindowAttributes(self.d, w, ctypes.byref(attrs))
        return attrs.map_state

    def toplevels_of(self, pid: int) -> list[int]:
        """Top-level windows of process `pid` that accept WM_DELETE_WINDOW."""
        delete = self.atom("WM_DELETE_WINDOW")
        out = []
        for w in self._children(_x11.XDefaultRootWindow(self.d)):
            if self._longs(w, "_NET_WM_PID", _XA_CARDINAL)[:1] == [pid] and delete in self._longs(w, "WM_PROTOCOLS", _XA_ATOM):
                out.append(w)
        return out

    def request_close(self, w: int) -> None:
        """What a window manager sends when the user clicks the window's close button."""
        ev = _XEvent()
        ev.xclient.type = _CLIENT_MESSAGE
        ev.xclient.window = w
        ev.xclient.message_type = self.atom("WM_PROTOCOLS")
        ev.xclient.format = 32
        ev.xclient.l[0] = self.atom("WM_DELETE_WINDOW")
        ev.xclient.l[1] = 0  # CurrentTime
        _x11.XSendEvent(self.d, w, 0, 0, ctypes.byref(ev))
        _x11.XSync(self.d, 0)

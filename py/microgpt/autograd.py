"""A scalar autograd engine: micrograd, as microgpt.py has it.

Each operation records its children and the local derivative with respect to each,
so backward() only has to chain them: child.grad += local_grad * out.grad.
"""
import math


class Value:
    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(self, data, children=(), local_grads=()):
        self.data = data  # the scalar, computed in the forward pass
        self.grad = 0  # d(loss)/d(this), filled in by backward()
        self._children = children
        self._local_grads = local_grads  # d(this)/d(child), one per child

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, other):
        return Value(self.data**other, (self,), (other * self.data ** (other - 1),))

    def log(self):
        return Value(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        return Value(math.exp(self.data), (self,), (math.exp(self.data),))

    def relu(self):
        return Value(max(0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self): return self * -1
    def __radd__(self, other): return self + other
    def __sub__(self, other): return self + (-other)
    def __rsub__(self, other): return other + (-self)
    def __rmul__(self, other): return self * other
    def __truediv__(self, other): return self * other**-1
    def __rtruediv__(self, other): return other * self**-1

    def backward(self):
        # The chain rule, from the loss back to the leaves.
        self.grad = 1
        for v in reversed(self.graph()):
            for child, local_grad in zip(v._children, v._local_grads):
                child.grad += local_grad * v.grad

    def graph(self):
        """Every node this one was computed from, itself last, each after all its children: a
        depth-first post-order, the same order as microgpt.py's recursive build_topo. It is
        written with an explicit stack because a recursion as deep as the graph would overflow
        Python's stack (Pyodide's is small)."""
        topo, visited = [], {self}
        stack = [(self, iter(self._children))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in visited:
                    visited.add(child)
                    stack.append((child, iter(child._children)))
                    break
            else:
                stack.pop()
                topo.append(node)
        return topo
